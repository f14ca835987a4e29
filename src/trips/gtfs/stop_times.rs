//! `stop_times.txt`, read in one pass keeping only each trip's first and
//! last stop: memory grows with the number of trips, not of stop times.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::clock::ServiceTime;
use super::error::GtfsError;
use super::stops::StopIds;
use super::table::Table;

/// One stop of a trip, with its times.
#[derive(Debug, Clone)]
pub struct Call {
    pub sequence: u32,
    pub line: u64,
    pub stop_id: String,
    pub arrival: Option<ServiceTime>,
    pub departure: Option<ServiceTime>,
}

/// What `stop_times.txt` says about one trip.
#[derive(Debug, Default)]
pub struct Calls {
    pub first: Option<Call>,
    pub last: Option<Call>,
    /// The first row that makes the trip unusable: its line, code and reason.
    pub problem: Option<Problem>,
}

/// What is wrong with a row: its line, the code and the reason.
pub type Problem = (u64, &'static str, String);

/// Reads the stops of the trips in `wanted`, checking stops against `stops`.
pub fn read(
    mut table: Table<impl Read>,
    wanted: &HashSet<&str>,
    stops: &StopIds,
) -> Result<HashMap<String, Calls>, GtfsError> {
    let trip = table.require("trip_id")?;
    let (stop, seq) = (table.require("stop_id")?, table.require("stop_sequence")?);
    let (arr, dep) = (
        table.require("arrival_time")?,
        table.require("departure_time")?,
    );
    let mut calls: HashMap<String, Calls> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let trip_id = row.get(trip);
        if !wanted.contains(trip_id) {
            continue;
        }
        let entry = calls.entry(trip_id.to_owned()).or_default();
        if entry.problem.is_some() {
            continue;
        }
        match call(
            row.get(stop),
            row.get(seq),
            row.get(arr),
            row.get(dep),
            row.line,
            stops,
        ) {
            Ok(call) => entry.add(call),
            Err((code, reason)) => entry.problem = Some((row.line, code, reason)),
        }
    }
    Ok(calls)
}

fn call(
    stop_id: &str,
    sequence: &str,
    arrival: &str,
    departure: &str,
    line: u64,
    stops: &StopIds,
) -> Result<Call, (&'static str, String)> {
    if !stops.contains(stop_id) {
        let reason = format!("stop {stop_id:?} is not defined in stops.txt");
        return Err(("stop-undefined", reason));
    }
    let sequence = sequence.parse().map_err(|_| {
        let reason = format!("stop_sequence {sequence:?} is not a whole number");
        ("stop-sequence-invalid", reason)
    })?;
    let time = |t: &str| {
        if t.is_empty() {
            Ok(None)
        } else {
            ServiceTime::parse(t)
                .map(Some)
                .map_err(|reason| ("time-invalid", reason))
        }
    };
    Ok(Call {
        sequence,
        line,
        stop_id: stop_id.to_owned(),
        arrival: time(arrival)?,
        departure: time(departure)?,
    })
}

impl Calls {
    fn add(&mut self, call: Call) {
        let tie = |other: &Option<Call>| {
            other
                .as_ref()
                .filter(|o| o.sequence == call.sequence)
                .map(|o| o.line)
        };
        if let Some(earlier) = tie(&self.first).or_else(|| tie(&self.last)) {
            // Equal sequence numbers at either end leave the origin or destination ambiguous.
            self.problem = Some((
                call.line,
                "stop-sequence-repeated",
                format!(
                    "stop_sequence {} already appears on line {earlier}",
                    call.sequence
                ),
            ));
            return;
        }
        if self
            .first
            .as_ref()
            .is_none_or(|f| call.sequence < f.sequence)
        {
            self.first = Some(call.clone());
        }
        if self
            .last
            .as_ref()
            .is_none_or(|l| call.sequence > l.sequence)
        {
            self.last = Some(call);
        }
    }
}
