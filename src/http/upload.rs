//! Problems of receiving an uploaded file (an EPUB, a GTFS feed), worded the
//! same for each: `413 upload-too-large` past the route's limit, `408` past
//! the body's deadline, else `400`.

use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

use super::body::BodyRefused;
use crate::error::AppError;

/// What is being uploaded, for the words of its problems.
#[derive(Debug, Clone, Copy)]
pub enum Upload {
    /// An EPUB of a publisher's catalog.
    Epub,
    /// An operator's GTFS feed.
    Feed,
}

impl Upload {
    fn subject(self) -> &'static str {
        match self {
            Upload::Epub => "The EPUB",
            Upload::Feed => "The feed",
        }
    }

    /// `413`: larger than the route's upload limit.
    pub fn too_large(self) -> AppError {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-too-large",
            format!(
                "{} is larger than the upload limit of this service.",
                self.subject()
            ),
        )
    }

    /// A multipart error: `413` past the limit, `408` past the deadline,
    /// else `400 invalid-multipart`.
    pub fn multipart_problem(self, error: MultipartError) -> AppError {
        self.refused(&error)
            .unwrap_or_else(|| AppError::bad_request("invalid-multipart", error.body_text()))
    }

    /// A raw body that could not be read: `413` past the limit, `408` past
    /// the deadline, else `400`.
    pub fn body_problem(self, error: &axum::Error) -> AppError {
        self.refused(error).unwrap_or_else(|| {
            AppError::bad_request("bad-request", "The upload was interrupted; send it again.")
        })
    }

    /// The problem of a body the guard refused (the refusal lies somewhere in
    /// the error's chain: multipart parsing wraps it).
    fn refused(self, error: &(dyn std::error::Error + 'static)) -> Option<AppError> {
        Some(match BodyRefused::find(error)? {
            BodyRefused::TooLarge { .. } => self.too_large(),
            BodyRefused::TimedOut => super::extract::timed_out(),
        })
    }
}
