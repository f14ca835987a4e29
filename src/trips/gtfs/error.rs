//! Why a GTFS feed was refused, and which rows of an accepted feed were skipped.

use serde::Serialize;

/// A feed refused as a whole, naming the file, the line and the reason.
#[derive(Debug, thiserror::Error)]
pub enum GtfsError {
    /// The upload cannot be opened as a zip archive.
    #[error("the feed is not a readable zip archive: {0}")]
    NotZip(String),
    /// An entry name could escape a folder (`../`, absolute path): the whole
    /// feed is refused rather than guessing what the sender meant.
    #[error("zip entry {name:?}: {reason}")]
    UnsafeEntry {
        /// The entry name as stored in the archive.
        name: String,
        /// Why it is unsafe.
        reason: String,
    },
    /// A required file is absent.
    #[error("{file} is missing{hint}")]
    MissingFile {
        /// The GTFS file name.
        file: String,
        /// Extra context, starting with a separator, or empty.
        hint: String,
    },
    /// A file cannot be read as GTFS: encoding, line endings, header, row.
    #[error("{file} line {line}: {reason}")]
    Invalid {
        /// The GTFS file name.
        file: String,
        /// The 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// An entry inflates beyond the configured cap.
    #[error("{file} inflates to more than {limit} bytes")]
    TooLarge {
        /// The GTFS file name.
        file: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The import parameters are unusable (date range, too many trips).
    #[error("{0}")]
    Request(String),
}

impl GtfsError {
    /// The stable machine code for problem+json bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotZip(_) => "gtfs-not-zip",
            Self::UnsafeEntry { .. } => "gtfs-unsafe-entry",
            Self::MissingFile { .. } | Self::Invalid { .. } => "gtfs-invalid",
            Self::TooLarge { .. } => "gtfs-too-large",
            Self::Request(_) => "gtfs-import-invalid",
        }
    }

    /// The GTFS file at fault, when one is.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::MissingFile { file, .. }
            | Self::Invalid { file, .. }
            | Self::TooLarge { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The line at fault, when one is.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// Shorthand for a refusal at a file and line.
    pub(super) fn invalid(file: &str, line: u64, reason: impl Into<String>) -> Self {
        Self::Invalid {
            file: file.to_owned(),
            line,
            reason: reason.into(),
        }
    }
}

/// A row left out of an accepted feed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    /// The GTFS file holding the row.
    pub file: &'static str,
    /// The 1-based line number of the row.
    pub line: u64,
    /// The trip concerned, when the row is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trip_id: Option<String>,
    /// Why it was left out.
    pub reason: String,
}
