//! Why an upload is refused: one variant per kind of problem, each with a
//! stable machine code and a detail that names the entry or the limit.

use super::charset::CharsetError;
use super::sanitize::SanitizeError;

/// An EPUB the pipeline will not publish, or a failure to store it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Not a readable zip, or an OCF rule broken (names, links, `mimetype`).
    #[error("{0}")]
    InvalidArchive(String),
    /// A size or count limit was passed (declared or actual).
    #[error("{0}")]
    TooLarge(String),
    /// Container, package document, navigation or encryption declaration is wrong.
    #[error("{0}")]
    InvalidPackage(String),
    /// Content is encrypted with something other than font obfuscation.
    #[error("{0}")]
    DrmUnsupported(String),
    /// A chapter the sanitizer refuses (too large, too deep, DTD subset).
    #[error("chapter {href}: {source}")]
    Chapter {
        /// The chapter's path in the archive.
        href: String,
        /// What the sanitizer refused.
        source: SanitizeError,
    },
    /// A package file or stylesheet whose text cannot be decoded (chapters: [`Self::Chapter`]).
    #[error("{file} {source}")]
    Charset {
        /// The file's path in the archive.
        file: String,
        /// Why its text cannot be read.
        source: CharsetError,
    },
    /// Ingestion took longer than allowed.
    #[error("{0}")]
    TimedOut(String),
    /// The title changed (another request or instance) since the change was
    /// computed from it: nothing was stored; read it again and retry.
    #[error("{0}")]
    Changed(String),
    /// The database refused or did not answer: nothing was published.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Storing failed or the pipeline panicked: our fault, not the file's.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IngestError {
    /// A stable machine code for problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::InvalidArchive(_) => "epub-invalid-archive",
            IngestError::TooLarge(_) => "epub-too-large",
            IngestError::InvalidPackage(_) => "epub-invalid-package",
            IngestError::DrmUnsupported(_) => "epub-drm-unsupported",
            IngestError::Chapter { source, .. } => source.code(),
            IngestError::Charset { source, .. } => source.code(),
            IngestError::TimedOut(_) => "epub-ingestion-timeout",
            IngestError::Changed(_) => "title-changed",
            IngestError::Database(e) if crate::db::is_unavailable(e) => "database-unavailable",
            IngestError::Database(_) | IngestError::Internal(_) => "internal-error",
        }
    }

    /// True when the file is at fault (a `422`), false for our own failures
    /// and for a change that met another one.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            IngestError::Internal(_) | IngestError::Database(_) | IngestError::Changed(_)
        )
    }
}

/// Shorthand for a package problem with a formatted detail.
pub(crate) fn package(detail: impl Into<String>) -> IngestError {
    IngestError::InvalidPackage(detail.into())
}

/// Shorthand for an archive problem with a formatted detail.
pub(crate) fn archive(detail: impl Into<String>) -> IngestError {
    IngestError::InvalidArchive(detail.into())
}
