//! One error type for the HTTP layer.
//!
//! Handlers return `Result<_, AppError>`. An `AppError` renders as
//! `application/problem+json` (RFC 9457) with a stable machine `code`; the
//! request middleware re-renders it with the request id, or as a readable HTML
//! page in the visitor's language for pages (see `crate::http::pages`).
//! Internal causes are logged by the middleware, never sent.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::sessions::StoreError;

/// A problem the client can act on: status, stable code and a human detail.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code, e.g. `seat-code-invalid`.
    pub code: &'static str,
    /// What went wrong and what to do, for a person (English).
    pub detail: String,
    /// Seconds before retrying, sent as `Retry-After`.
    pub retry_after: Option<Duration>,
    /// Extra members of the problem object (e.g. an offer link).
    pub extra: Map<String, Value>,
}

/// The error every handler returns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A problem the client caused or can act on.
    #[error("{} ({})", .0.detail, .0.code)]
    Problem(Box<Problem>),
    /// The session store did not answer in time.
    #[error("session store unavailable: {0}")]
    Store(#[from] StoreError),
    /// The database did not answer, or is saturated: answered 503 with Retry-After.
    #[error("database unavailable: {0}")]
    Database(sqlx::Error),
    /// A bug or an environment failure; logged, answered 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A problem with the given status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Problem(Box::new(Problem {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
            extra: Map::new(),
        }))
    }
    /// `400` with a code.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    /// `401`: credentials missing or not valid.
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    /// `403` with a code.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }
    /// `404`: no such thing (or not yours).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }
    /// `409` with a code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    /// `410` with a code.
    pub fn gone(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, code, detail)
    }
    /// `422` with a code.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    /// `429` with `Retry-After`.
    pub fn too_many_requests(
        code: &'static str,
        detail: impl Into<String>,
        retry_after: Duration,
    ) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, detail).with_retry_after(retry_after)
    }

    /// Adds `Retry-After` to a problem.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        if let AppError::Problem(p) = &mut self {
            p.retry_after = Some(after);
        }
        self
    }

    /// Adds an extension member to the problem object.
    pub fn with_extra(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let AppError::Problem(p) = &mut self {
            p.extra.insert(key.to_owned(), value.into());
        }
        self
    }

    /// The stable machine code the client sees (as in `problem().code`, without building it).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Problem(p) => p.code,
            AppError::Store(_) => "session-store-unavailable",
            AppError::Database(_) => "database-unavailable",
            AppError::Internal(_) => "internal-error",
        }
    }

    /// The client-facing problem (internal causes reduced to a generic one).
    pub fn problem(&self) -> Problem {
        match self {
            AppError::Problem(p) => (**p).clone(),
            AppError::Store(_) => Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "session-store-unavailable",
                detail: "The session store is not answering. Try again in a few seconds.".into(),
                retry_after: Some(STORE_RETRY_AFTER),
                extra: Map::new(),
            },
            AppError::Database(_) => Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "database-unavailable",
                detail: "The database is not answering. Try again in a few seconds.".into(),
                retry_after: Some(STORE_RETRY_AFTER),
                extra: Map::new(),
            },
            AppError::Internal(_) => Problem {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: "internal-error",
                detail: "Something went wrong on our side. It has been logged; try again.".into(),
                retry_after: None,
                extra: Map::new(),
            },
        }
    }
}

/// `Retry-After` while the session store is down; overridden from configuration by the middleware.
pub const STORE_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Marker left in a response's extensions so the middleware can log the
/// cause and render the problem for the request (JSON with request id, or a page).
#[derive(Debug, Clone)]
pub struct RenderedError {
    /// The problem sent to the client.
    pub problem: Problem,
    /// The internal cause, for the log only.
    pub cause: Option<String>,
}

impl From<sqlx::Error> for AppError {
    /// Unavailability is the client's to retry; any other database error is a bug.
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&error) {
            AppError::Database(error)
        } else {
            AppError::Internal(anyhow::Error::new(error).context("database"))
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let cause = match &self {
            AppError::Problem(_) => None,
            other => Some(format!("{other:#}")),
        };
        let mut response = problem_response(&problem, None);
        response
            .extensions_mut()
            .insert(RenderedError { problem, cause });
        response
    }
}

impl Problem {
    /// The RFC 9457 body.
    pub fn to_json(&self, request_id: Option<&str>) -> Value {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            Value::String(format!("https://trajet.invalid/problems/{}", self.code)),
        );
        body.insert(
            "title".into(),
            Value::String(title(self.code, self.status).to_owned()),
        );
        body.insert("status".into(), Value::from(self.status.as_u16()));
        body.insert("detail".into(), Value::String(self.detail.clone()));
        body.insert("code".into(), Value::String(self.code.to_owned()));
        if let Some(id) = request_id {
            body.insert("request_id".into(), Value::String(id.to_owned()));
        }
        for (k, v) in &self.extra {
            body.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(body)
    }
}

/// Renders a problem as `application/problem+json`.
pub fn problem_response(problem: &Problem, request_id: Option<&str>) -> Response {
    let body = serde_json::to_vec(&problem.to_json(request_id)).unwrap_or_default();
    let mut response = (problem.status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(after) = problem.retry_after {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(after.as_secs().max(1)),
        );
    }
    response
}

/// A short English title for a code (the `title` member of the problem).
pub fn title(code: &str, status: StatusCode) -> &'static str {
    match code {
        "seat-code-invalid" => "This seat code is not valid",
        "trip-ended" => "This trip has ended",
        "trip-cancelled" => "This trip was cancelled",
        "trip-not-started" => "This trip has not started yet",
        "seat-code-exhausted" => "This seat code has been used too many times",
        "session-store-unavailable" => "Sessions are temporarily unavailable",
        "session-required" => "No reading session",
        "excerpt-limit" => "Beyond the excerpt",
        "upload-too-large" => "Upload too large",
        "body-too-large" => "Request body too large",
        "rate-limited" => "Too many requests",
        "not-found" => "Not found",
        "method-not-allowed" => "Method not allowed",
        "invalid-json" => "Invalid JSON body",
        "invalid-path" => "Invalid path parameter",
        "invalid-query" => "Invalid query parameters",
        "unauthorized" => "Authentication required",
        "forbidden" => "Forbidden",
        "request-timeout" => "Request timed out",
        "internal-error" => "Internal error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_json_has_the_rfc9457_members_and_the_code() {
        let p = AppError::bad_request("seat-code-invalid", "The code was altered.").problem();
        let json = p.to_json(Some("abc"));
        assert_eq!(json["status"], 400);
        assert_eq!(json["code"], "seat-code-invalid");
        assert_eq!(json["title"], "This seat code is not valid");
        assert_eq!(json["detail"], "The code was altered.");
        assert_eq!(json["request_id"], "abc");
        assert!(
            json["type"]
                .as_str()
                .unwrap()
                .ends_with("/seat-code-invalid")
        );
    }

    #[test]
    fn internal_causes_are_not_sent() {
        let err = AppError::Internal(anyhow::anyhow!("disk /secret/path exploded"));
        let json = err.problem().to_json(None).to_string();
        assert!(!json.contains("/secret/path"));
        assert!(json.contains("internal-error"));
    }
}
