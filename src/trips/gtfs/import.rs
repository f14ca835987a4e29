//! A feed imported into the store, with the counts the operator sees.

use std::io::{Read, Seek};

use serde::Serialize;

use super::error::{GtfsError, SkippedRow};
use super::{ImportOptions, read_feed};
use crate::trips::error::TripError;
use crate::trips::store::TripStore;

/// The answer to an import: what changed and what was left out.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Trips stored for the first time.
    pub created: usize,
    /// Trips whose schedule changed since the last import.
    pub updated: usize,
    /// Trips already stored exactly so.
    pub unchanged: usize,
    /// Number of skipped rows (the length of `skipped_rows`).
    pub skipped: usize,
    /// Each row left out, with its file, line and reason.
    pub skipped_rows: Vec<SkippedRow>,
    /// Trips of the range on routes that are not rail, left out on purpose.
    pub other_route_types: usize,
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The feed was refused.
    #[error(transparent)]
    Gtfs(#[from] GtfsError),
    /// The trips could not be stored.
    #[error(transparent)]
    Store(#[from] TripError),
}

impl ImportError {
    /// The stable machine code for problem+json bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Gtfs(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
}

/// Reads the feed and stores its trips as `operator`'s in one commit
/// (idempotent: the same feed twice leaves the same trips). CPU and disk
/// work: call from `spawn_blocking`.
pub fn import<R: Read + Seek>(
    store: &TripStore,
    operator: &str,
    reader: R,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let feed = read_feed(reader, options)?;
    let counts = if feed.trips.is_empty() {
        Default::default()
    } else {
        store.import_batch(operator, feed.trips)?
    };
    Ok(ImportReport {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        skipped: feed.skipped.len(),
        skipped_rows: feed.skipped,
        other_route_types: feed.other_route_types,
    })
}
