//! axum's extractors wrapped so their rejections come out as our problems.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::body::BodyRefused;
use crate::error::AppError;

/// A JSON body; a bad one is `400 invalid-json` (syntax), `422 invalid-json` (shape),
/// `415` (content type) or `413` (size), with axum's explanation as the detail.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    if let Some(refused) = BodyRefused::find(&rejection) {
        return body_refused(refused);
    }
    let status = rejection.status();
    let detail = rejection.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
            status,
            "body-too-large",
            "The request body is larger than this route accepts.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(
            status,
            "unsupported-media-type",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        _ => AppError::new(status, "invalid-json", detail),
    }
}

/// A refused JSON body: `413 body-too-large` or `408 request-timeout`.
fn body_refused(refused: BodyRefused) -> AppError {
    match refused {
        BodyRefused::TooLarge { limit } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("The request body is larger than the limit of {limit} bytes for this route."),
        ),
        BodyRefused::TimedOut => timed_out(),
    }
}

/// `408 request-timeout`: the body did not arrive in time.
pub fn timed_out() -> AppError {
    AppError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request-timeout",
        "The request body did not arrive in time.",
    )
}

/// Path parameters; a bad one is `400 invalid-path`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> AppError {
    AppError::bad_request("invalid-path", rejection.body_text())
}

/// Path parameters as the router decoded them, borrowed by name: no
/// deserializing and no `String` per parameter (for the hottest routes).
/// A parameter that is not UTF-8 is `400 invalid-path`, as with `ApiPath`.
pub struct ApiRawPath(pub RawPathParams);

impl ApiRawPath {
    /// The value of parameter `name` (empty when the route has none by that name).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find_map(|(key, value)| (key == name).then_some(value))
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiRawPath {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => Ok(ApiRawPath(params)),
            Err(rejection) => Err(AppError::bad_request("invalid-path", rejection.body_text())),
        }
    }
}

/// Query parameters; bad ones are `400 invalid-query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> AppError {
    AppError::bad_request("invalid-query", rejection.body_text())
}
