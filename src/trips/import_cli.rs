//! `trajet import gtfs FILE --from DATE --to DATE`: the same import as the
//! API, from the command line; a running service sees the trips within a second.

use std::path::Path;

use anyhow::Context;

use super::gtfs::{ImportOptions, import};
use super::store::TripStore;
use crate::data_dir::DataDir;

/// Skipped rows printed one per line before the rest are only counted.
const SHOWN_SKIPPED: usize = 50;

/// Imports `file` into the trips of `data_dir` and prints what happened.
pub fn import_gtfs(data_dir: &Path, file: &Path, options: &ImportOptions) -> anyhow::Result<()> {
    let data = DataDir::open(data_dir)
        .with_context(|| format!("opening the data directory {}", data_dir.display()))?;
    let store = TripStore::open(&data)?;
    let feed = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let report = import(&store, std::io::BufReader::new(feed), options)
        .with_context(|| format!("{} was refused", file.display()))?;
    for row in report.skipped_rows.iter().take(SHOWN_SKIPPED) {
        let trip = row
            .trip_id
            .as_deref()
            .map(|t| format!(" (trip {t})"))
            .unwrap_or_default();
        println!(
            "skipped {} line {}{trip}: {}",
            row.file, row.line, row.reason
        );
    }
    if report.skipped > SHOWN_SKIPPED {
        println!("… and {} more skipped rows", report.skipped - SHOWN_SKIPPED);
    }
    println!(
        "{} to {}: {} created, {} updated, {} unchanged, {} skipped, {} trips of other route types left out",
        options.from,
        options.to,
        report.created,
        report.updated,
        report.unchanged,
        report.skipped,
        report.other_route_types
    );
    Ok(())
}
