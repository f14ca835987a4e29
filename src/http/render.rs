//! Error rendering: every error response leaves in the request's format
//! (problem+json for APIs, a page for people) with its request id, and
//! internal causes are logged here, the one place errors are logged.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::pages;
use crate::app::AppState;
use crate::error::{AppError, Problem, RenderedError, problem_response};
use crate::lang::Lang;
use crate::metrics::StoreLabels;

/// What error logs say about the request.
pub(super) struct RequestInfo<'a> {
    pub id: &'a str,
    pub method: &'static str,
    pub route: &'static str,
}

/// Renders any error response in the request's format, with its request id,
/// and logs internal causes.
pub(super) fn render_error(
    state: &AppState,
    response: Response,
    api: bool,
    lang: Lang,
    request: &RequestInfo<'_>,
    span: &tracing::Span,
) -> Response {
    let id = request.id;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let rendered = response.extensions().get::<RenderedError>().cloned();
    let for_people = response.extensions().get::<pages::ForPeople>().copied();
    let mut problem = match rendered {
        Some(RenderedError { problem, cause }) => {
            let _enter = span.enter();
            if let Some(cause) = cause {
                if problem.code == "session-store-unavailable" {
                    state
                        .metrics
                        .store_errors
                        .get_or_create(&StoreLabels {
                            backend: state.sessions.backend().into(),
                        })
                        .inc();
                    tracing::warn!(
                        request_id = id,
                        method = request.method,
                        route = request.route,
                        %cause,
                        "session store unavailable"
                    );
                } else {
                    tracing::error!(
                        request_id = id,
                        method = request.method,
                        route = request.route,
                        %cause,
                        "internal error"
                    );
                }
            }
            problem
        }
        None if is_rendered_by_us(response.headers()) => return response,
        None => generic_problem(status),
    };
    if problem.code == "session-store-unavailable" {
        problem.retry_after = Some(state.config.retry_after);
    }
    if status.is_client_error() {
        tracing::debug!(
            parent: span,
            request_id = id,
            method = request.method,
            route = request.route,
            status = status.as_u16(),
            code = problem.code,
            "client error"
        );
    }
    let mut rendered = match for_people {
        Some(pages::ForPeople(lang)) => pages::error_page(&problem, lang, id),
        None if api => problem_response(&problem, Some(id)),
        None => pages::error_page(&problem, lang, id),
    };
    keep_cookies(&response, &mut rendered);
    rendered
}

/// Carries the cookies a handler set on its error answer over to the
/// rendered one (a scan refused while the store stalls names the session
/// its retry must present).
fn keep_cookies(from: &Response, to: &mut Response) {
    for cookie in from.headers().get_all(header::SET_COOKIE) {
        to.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
}

fn is_rendered_by_us(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json") || ct.starts_with("text/html"))
}

/// A problem for an error response that axum or a tower layer produced by itself.
fn generic_problem(status: StatusCode) -> Problem {
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "There is nothing at this address."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "This address does not accept this HTTP method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body-too-large",
            "The request body is larger than this route accepts.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request-timeout",
            "The request body did not arrive in time.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            "The request body has a content type this route does not accept.",
        ),
        s if s.is_server_error() => (
            "internal-error",
            "Something went wrong on our side. Try again.",
        ),
        _ => ("bad-request", "The request could not be understood."),
    };
    AppError::new(status, code, detail).problem()
}
