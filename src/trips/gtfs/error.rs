//! Why a GTFS feed was refused, and which rows of an accepted feed were skipped.

use std::collections::BTreeMap;

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
    /// An entry inflates beyond the configured cap of one file, or the files
    /// read so far beyond the cap of the whole feed.
    #[error("{}", too_large(file, *limit, *whole_feed))]
    TooLarge {
        /// The GTFS file name (the one being read when the feed's cap was reached).
        file: String,
        /// The cap in bytes.
        limit: u64,
        /// Whether the cap is the whole feed's rather than one file's.
        whole_feed: bool,
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

    /// The refusal an I/O error of the reader of `file` carries (the checks
    /// of [`super::text::Checked`] and the size caps travel as I/O errors
    /// through the CSV reader), or an inflate failure.
    pub(super) fn from_io(file: &str, error: std::io::Error) -> Self {
        let error = match error.downcast::<GtfsError>() {
            Ok(refusal) => return refusal,
            Err(other) => other,
        };
        Self::invalid(file, 1, format!("cannot inflate: {error}"))
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

fn too_large(file: &str, limit: u64, whole_feed: bool) -> String {
    let size = match limit {
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 && l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    };
    if whole_feed {
        format!("the feed's files inflate to more than {size} in all (reached in {file})")
    } else {
        format!("{file} inflates to more than {size}")
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
    /// The kind of problem, stable for programs (`service-undefined`, …).
    pub code: &'static str,
    /// Why it was left out, in words.
    pub reason: String,
}

/// The rows left out of a feed: every one counted by its code, the first
/// few kept whole. A feed may skip millions of rows; the answer must not
/// grow with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// The first rows skipped, in file and line order once read.
    pub rows: Vec<SkippedRow>,
    /// How many rows were skipped in all.
    pub total: usize,
    /// How many, by code.
    pub by_code: BTreeMap<&'static str, usize>,
    keep: usize,
}

impl Skipped {
    /// Keeps the first `keep` rows whole.
    pub fn new(keep: usize) -> Self {
        Self {
            keep,
            ..Self::default()
        }
    }

    /// Counts a skipped row (and keeps it while there is room).
    pub fn push(&mut self, row: SkippedRow) {
        self.total += 1;
        *self.by_code.entry(row.code).or_default() += 1;
        if self.rows.len() < self.keep {
            self.rows.push(row);
        }
    }

    /// Puts the kept rows in file and line order.
    pub fn sort(&mut self) {
        self.rows
            .sort_by(|a, b| (a.file, a.line).cmp(&(b.file, b.line)));
    }
}
