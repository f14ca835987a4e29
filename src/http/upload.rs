//! Problems of receiving an uploaded file (an EPUB, a GTFS feed), worded the
//! same for each: `413 upload-too-large` past the route's limit, else `400`.

use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

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

    /// A multipart error: `413` past the limit, else `400 invalid-multipart`.
    pub fn multipart_problem(self, error: MultipartError) -> AppError {
        // axum looks one error deep for the limit; trajet's body wrappers
        // (read timeout, limit) put it deeper, so the whole chain is searched.
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&error) {
            return self.too_large();
        }
        AppError::bad_request("invalid-multipart", error.body_text())
    }

    /// A raw body that could not be read: `413` past the limit, else `400`.
    pub fn body_problem(self, error: &axum::Error) -> AppError {
        if over_limit(error) {
            return self.too_large();
        }
        AppError::bad_request("bad-request", "The upload was interrupted; send it again.")
    }
}

/// Whether the body limit is somewhere in the error's chain of causes.
fn over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
