//! `stop_times.txt`, read in one pass keeping only each trip's first and
//! last stop: memory grows with the number of trips, not of stop times.

use std::collections::{HashMap, HashSet};

use super::clock::ServiceTime;
use super::error::GtfsError;
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
    /// The first row that makes the trip unusable: its line and the reason.
    pub problem: Option<(u64, String)>,
}

/// Reads the stops of the trips in `wanted`, checking stops against `stops`.
pub fn read(
    text: &str,
    wanted: &HashSet<&str>,
    stops: &HashMap<String, String>,
) -> Result<HashMap<String, Calls>, GtfsError> {
    let mut table = Table::new("stop_times.txt", text)?;
    let trip = table.require("trip_id")?;
    let (stop, seq) = (table.require("stop_id")?, table.require("stop_sequence")?);
    let (arr, dep) = (
        table.require("arrival_time")?,
        table.require("departure_time")?,
    );
    let mut calls: HashMap<String, Calls> = HashMap::new();
    for row in table.rows() {
        let row = row?;
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
            Err(reason) => entry.problem = Some((row.line, reason)),
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
    stops: &HashMap<String, String>,
) -> Result<Call, String> {
    if !stops.contains_key(stop_id) {
        return Err(format!("stop {stop_id:?} is not defined in stops.txt"));
    }
    let sequence = sequence
        .parse()
        .map_err(|_| format!("stop_sequence {sequence:?} is not a whole number"))?;
    let time = |t: &str| {
        if t.is_empty() {
            Ok(None)
        } else {
            ServiceTime::parse(t).map(Some)
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
