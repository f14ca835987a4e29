//! The HTTP layer shared by every route: router assembly, the request
//! middleware (request id, logs, metrics, body limits, error rendering,
//! security headers), wrapped extractors and error pages.

pub mod extract;
pub mod pages;
pub mod rate_limit;
pub mod upload;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;
use tower::{Layer, Service};
use tower_http::timeout::TimeoutBody;
use tracing::Instrument;

use crate::app::AppState;
use crate::error::{AppError, Problem, RenderedError, problem_response};
use crate::lang::Lang;
use crate::metrics::{RequestLabels, RouteLabels, StoreLabels, method_label, route_label};

/// Every route of the service, with the layers every request goes through.
pub fn router(state: AppState) -> Router {
    let body_timeout = state.config.http.body_timeout;
    Router::new()
        .merge(crate::service::router(&state))
        .merge(crate::console::router())
        .merge(crate::sessions::scan::router())
        .merge(crate::seat_codes::routes::router())
        .merge(crate::reader::routes::router())
        .merge(crate::trips::routes::router())
        .merge(crate::catalog::routes::router())
        .merge(crate::reports::routes::router())
        .merge(crate::lines::routes::router())
        .fallback(|| async { AppError::not_found("There is nothing at this address.") })
        // One layer, not three: axum wraps every route in each layer and clones
        // the whole chain of boxed services on every request.
        .layer(AroundLayer {
            state: state.clone(),
            body_timeout,
        })
        .with_state(state)
}

/// The middleware of every route: `Around` (request id, body limit
/// and timeout, error rendering, security headers, metrics).
#[derive(Clone)]
struct AroundLayer {
    state: AppState,
    body_timeout: Duration,
}

impl<S> Layer<S> for AroundLayer {
    type Service = Around<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Around {
            state: self.state.clone(),
            body_timeout: self.body_timeout,
            inner,
        }
    }
}

#[derive(Clone)]
struct Around<S> {
    state: AppState,
    body_timeout: Duration,
    inner: S,
}

impl<S> Service<Request> for Around<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was made ready serves this request; a clone stays for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let started = Instant::now();
        let id = request_id(request.headers());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |m| route_label(m.as_str()));
        let method = method_label(request.method());
        let path = request.uri().path();
        let api = is_api_path(path);
        let lang = if api {
            Lang::En
        } else {
            Lang::from_headers(request.headers())
        };
        // Requests that change state get a span: their handlers log what they
        // changed, and the lines carry the request. Reads log nothing but
        // errors, which `render_error` logs with the same fields; a span per
        // read cost ~7k instructions (a sixth of the chapter route's own work).
        let span = if matches!(method, "GET" | "HEAD") {
            tracing::Span::none()
        } else {
            // Checked by `request_id`: ASCII letters, digits, '-' and '_' only.
            let id = id.to_str().unwrap_or_default();
            tracing::info_span!("request", request_id = %id, method, route)
        };
        let limit = body_limit(&self.state, path);
        // Everything up to calling the route happens here, not in the boxed
        // future: the future then holds only the route's future and what the
        // response needs (a smaller allocation per request).
        let pending = match declared_length(request.headers()) {
            Some(length) if length > limit as u64 => Err(too_large(path, limit)),
            _ => {
                let timeout = self.body_timeout;
                let request = request
                    .map(|body| Body::new(TimeoutBody::new(timeout, Limited::new(body, limit))));
                Ok(if limit > AXUM_DEFAULT_BODY_LIMIT {
                    // axum's extractors stop at 2 MiB unless told otherwise (a
                    // request extension); below that, `Limited` cuts first.
                    DefaultBodyLimit::disable().layer(inner).call(request)
                } else {
                    inner.call(request)
                })
            }
        };
        let finish = Finish {
            state: self.state.clone(),
            started,
            id,
            route,
            method,
            api,
            lang,
        };
        Box::pin(async move {
            let response = match pending {
                Ok(future) => match future.instrument(span.clone()).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                },
                Err(refused) => refused,
            };
            Ok(finish.respond(response, &span))
        })
    }
}

/// What the response of a request needs once its route has answered.
struct Finish {
    state: AppState,
    started: Instant,
    id: HeaderValue,
    route: &'static str,
    method: &'static str,
    api: bool,
    lang: Lang,
}

impl Finish {
    /// Renders errors, sets the default headers and counts the request.
    fn respond(self, response: Response, span: &tracing::Span) -> Response {
        let request_info = RequestInfo {
            id: self.id.to_str().unwrap_or_default(),
            method: self.method,
            route: self.route,
        };
        let mut response = render_error(
            &self.state,
            response,
            self.api,
            self.lang,
            &request_info,
            span,
        );
        // Moved, not cloned: cloning a header value may allocate.
        set_default_headers(response.headers_mut(), self.id);
        let metrics = &self.state.metrics;
        metrics
            .requests
            .get_or_create(&RequestLabels {
                route: self.route,
                method: self.method,
                status: response.status().as_u16(),
            })
            .inc();
        metrics
            .latency
            .get_or_create(&RouteLabels { route: self.route })
            .observe(self.started.elapsed().as_secs_f64());
        response
    }
}

/// A request's id: from a trusted proxy's `x-request-id` when well formed, else
/// 16 random hex digits. A header value, so the response header needs no copy.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    let incoming = headers.get(&X_REQUEST_ID);
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .as_bytes()
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            id.clone()
        }
        _ => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let n = rand::random::<u64>();
            let mut hex = [0u8; 16];
            for (i, digit) in hex.iter_mut().enumerate() {
                *digit = DIGITS[((n >> (60 - 4 * i)) & 0xf) as usize];
            }
            HeaderValue::from_bytes(&hex).expect("hex digits are a valid header value")
        }
    }
}

/// Whether a path answers machines (problem+json) rather than people (HTML pages).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/opds/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Upload routes accept large bodies; every other route a small JSON body.
fn body_limit(state: &AppState, path: &str) -> usize {
    let uploads = path.starts_with("/api/v1/publisher/titles")
        || path.starts_with("/api/v1/operator/trips/import");
    if uploads {
        state.config.http.upload_limit
    } else {
        state.config.http.json_body_limit
    }
}

/// What error logs say about the request.
struct RequestInfo<'a> {
    id: &'a str,
    method: &'static str,
    route: &'static str,
}

/// The body limit axum's extractors apply when no `DefaultBodyLimit` is set.
const AXUM_DEFAULT_BODY_LIMIT: usize = 2 << 20;

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(path: &str, limit: usize) -> Response {
    let code = if path.starts_with("/api/v1/publisher") || path.contains("/import") {
        "upload-too-large"
    } else {
        "body-too-large"
    };
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        code,
        format!(
            "The request body is larger than the limit of {} bytes for this route.",
            limit
        ),
    )
    .into_response()
}

/// Renders any error response in the request's format, with its request id,
/// and logs internal causes (the one place errors are logged).
fn render_error(
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
    if api {
        problem_response(&problem, Some(id))
    } else {
        pages::error_page(&problem, lang, id)
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

/// Security headers every response carries unless its route set its own
/// (names and values built once: this runs on every request).
const DEFAULT_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ),
    (
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'",
        ),
    ),
];

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn set_default_headers(headers: &mut HeaderMap, id: HeaderValue) {
    headers.reserve(DEFAULT_HEADERS.len() + 1);
    for (name, value) in DEFAULT_HEADERS {
        headers.entry(name).or_insert(value);
    }
    headers.insert(X_REQUEST_ID, id);
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}
