//! The middleware of every route, in one layer: request id, span, body
//! guard, error rendering, security headers and metrics.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};
use tracing::Instrument;

use super::body::{BodyRules, without_axum_limit};
use super::render::{RequestInfo, render_error};
use crate::app::AppState;
use crate::error::AppError;
use crate::lang::Lang;
use crate::metrics::{RequestLabels, RouteLabels, method_label, route_label};

/// The middleware of every route: `Around`.
#[derive(Clone)]
pub struct AroundLayer {
    state: AppState,
    bodies: BodyRules,
}

impl AroundLayer {
    /// The layer for the app's state.
    pub fn new(state: AppState) -> Self {
        let bodies = BodyRules::new(&state.config.http);
        Self { state, bodies }
    }
}

impl<S> Layer<S> for AroundLayer {
    type Service = Around<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Around {
            state: self.state.clone(),
            bodies: self.bodies,
            inner,
        }
    }
}

/// Request id, body guard, error rendering, security headers, metrics.
#[derive(Clone)]
pub struct Around<S> {
    state: AppState,
    bodies: BodyRules,
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
        let api = super::is_api_path(request.uri().path());
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
        // Everything up to calling the route happens here, not in the boxed
        // future: the future then holds only the route's future and what the
        // response needs (a smaller allocation per request).
        let pending = match self.bodies.over_every_limit(request.headers()) {
            Some(limit) => Err(too_large(limit)),
            None => {
                let request = self.bodies.guard(request);
                Ok(if BodyRules::is_guarded(&request) {
                    without_axum_limit(inner).call(request)
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

fn too_large(limit: usize) -> Response {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        format!("The request body is larger than the limit of {limit} bytes of this service."),
    )
    .into_response()
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
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    ),
];

/// The Content-Security-Policy of every response that sets none: scripts,
/// styles and frames from the service itself only, nothing inline.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn set_default_headers(headers: &mut HeaderMap, id: HeaderValue) {
    headers.reserve(DEFAULT_HEADERS.len() + 1);
    for (name, value) in DEFAULT_HEADERS {
        headers.entry(name).or_insert(value);
    }
    headers.insert(X_REQUEST_ID, id);
}
