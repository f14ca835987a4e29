//! A feed imported into the store, with the counts the operator sees.

use std::collections::BTreeMap;
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
    /// Number of skipped rows, all of them.
    pub skipped: usize,
    /// Skipped rows by the code of their reason (`service-undefined`, …).
    pub skipped_by_reason: BTreeMap<&'static str, usize>,
    /// The first skipped rows (at most `skipped_rows_shown` of the
    /// configuration), with their file, line and reason, in file order.
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

/// Reads the feed (off the async workers: it is CPU work) and stores its
/// trips as `operator`'s in one transaction (idempotent: the same feed twice
/// leaves the same trips).
pub async fn import<R: Read + Seek + Send + 'static>(
    store: &TripStore,
    operator: &str,
    reader: R,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let read_options = options.clone();
    let feed = crate::memory::heavy(move || read_feed(reader, &read_options))
        .await
        .map_err(|e| TripError::Storage(anyhow::anyhow!("the GTFS reading task failed: {e}")))??;
    let counts = store.import_batch(operator, feed.trips).await?;
    // The feed's trips held tens of megabytes for a moment.
    crate::memory::release_free_memory();
    Ok(ImportReport {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        skipped: feed.skipped.total,
        skipped_by_reason: feed.skipped.by_code,
        skipped_rows: feed.skipped.rows,
        other_route_types: feed.other_route_types,
    })
}
