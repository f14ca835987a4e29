//! `frequencies.txt`: a trip that repeats every `headway_secs` between two
//! times stands for several runs, each its own trip with seats of its own.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::clock::ServiceTime;
use super::error::{GtfsError, Skipped, SkippedRow};
use super::table::Table;

/// More runs than this from one frequency row is a feed error, not a timetable
/// (one run a minute for a whole day is 1,440).
const MAX_RUNS_PER_TRIP: usize = 1440;

/// The start times of the runs of each frequency-based trip.
pub type Runs = HashMap<String, Vec<ServiceTime>>;

/// Reads the runs of the frequency-based trips in `wanted`; bad rows (of
/// any trip) are skipped.
pub fn read(
    mut table: Table<impl Read>,
    wanted: &HashSet<&str>,
    skipped: &mut Skipped,
) -> Result<Runs, GtfsError> {
    let trip = table.require("trip_id")?;
    let (start, end, headway) = (
        table.require("start_time")?,
        table.require("end_time")?,
        table.require("headway_secs")?,
    );
    let mut runs = Runs::new();
    while let Some(row) = table.next_row()? {
        let window = (
            ServiceTime::parse(row.get(start)),
            ServiceTime::parse(row.get(end)),
        );
        let headway: Option<u32> = row.get(headway).parse().ok().filter(|&h| h > 0);
        let (Ok(first), Ok(end), Some(headway)) = (window.0, window.1, headway) else {
            let reason = "start_time and end_time must be times and headway_secs a positive number"
                .to_owned();
            skipped.push(SkippedRow {
                file: "frequencies.txt",
                line: row.line,
                trip_id: Some(row.get(trip).to_owned()),
                code: "frequency-invalid",
                reason,
            });
            continue;
        };
        if !wanted.contains(row.get(trip)) {
            continue;
        }
        // GTFS: runs start at start_time, then every headway, strictly before end_time.
        let starts = (first.0..end.0).step_by(headway as usize).map(ServiceTime);
        let list = runs.entry(row.get(trip).to_owned()).or_default();
        list.extend(starts.take(MAX_RUNS_PER_TRIP + 1));
        if list.len() > MAX_RUNS_PER_TRIP {
            let reason = format!("more than {MAX_RUNS_PER_TRIP} runs for one trip");
            skipped.push(SkippedRow {
                file: "frequencies.txt",
                line: row.line,
                trip_id: Some(row.get(trip).to_owned()),
                code: "frequency-too-many-runs",
                reason,
            });
            list.clear();
        }
    }
    for list in runs.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    Ok(runs)
}
