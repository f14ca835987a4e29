//! Turns the rows of a feed into trip drafts, one per trip, service date and
//! run, and lists the trips that cannot be imported.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::ImportOptions;
use super::calendar::Services;
use super::clock::ServiceTime;
use super::error::{GtfsError, SkippedRow};
use super::feed::{FeedTrip, Route};
use super::frequencies::Runs;
use super::stop_times::Calls;
use crate::trips::fields::text;
use crate::trips::model::ExternalKey;
use crate::trips::request::TripDraft;

/// The rows a feed's trips are assembled from.
pub struct Sources<'a> {
    pub services: &'a Services,
    pub stops: &'a HashMap<String, String>,
    pub calls: &'a HashMap<String, Calls>,
    pub runs: &'a Runs,
}

impl Sources<'_> {
    /// A stop's name (its id when `stops.txt` gave none).
    fn name_of<'s>(&'s self, stop_id: &'s str) -> &'s str {
        self.stops.get(stop_id).map_or(stop_id, String::as_str)
    }
}

/// The drafts of one selected trip on every service date of the range.
pub fn drafts(
    trip: &FeedTrip,
    route: &Route,
    sources: &Sources<'_>,
    options: &ImportOptions,
    out: &mut Vec<TripDraft>,
) -> Result<(), SkippedRow> {
    let skip = |file, line, code, reason: &str| SkippedRow {
        file,
        line,
        trip_id: Some(trip.trip_id.clone()),
        code,
        reason: reason.to_owned(),
    };
    let no_stop_times = || {
        skip(
            "trips.txt",
            trip.line,
            "no-stop-times",
            "the trip has no stop_times",
        )
    };
    let calls = sources.calls.get(&trip.trip_id).ok_or_else(no_stop_times)?;
    if let Some((line, code, reason)) = &calls.problem {
        return Err(skip("stop_times.txt", *line, code, reason));
    }
    let (Some(first), Some(last)) = (&calls.first, &calls.last) else {
        return Err(no_stop_times());
    };
    let at_stop = |call: &super::stop_times::Call, code, reason| {
        skip("stop_times.txt", call.line, code, reason)
    };
    if first.sequence == last.sequence {
        return Err(at_stop(first, "single-stop", "the trip has a single stop"));
    }
    let departs = first
        .departure
        .or(first.arrival)
        .ok_or_else(|| at_stop(first, "time-missing", "the first stop has no time"))?;
    let arrives = last
        .arrival
        .or(last.departure)
        .ok_or_else(|| at_stop(last, "time-missing", "the last stop has no time"))?;
    if arrives <= departs {
        return Err(at_stop(
            last,
            "arrival-not-after-departure",
            "the last stop is not reached after the first one departs",
        ));
    }
    let checked = |field, value: &str| {
        text(field, value.to_owned())
            .map_err(|e| skip("trips.txt", trip.line, "name-invalid", &e.to_string()))
    };
    let names = Names {
        line: checked("line", &route.line)?,
        train_number: checked("train_number", &trip.train_number)?,
        origin: checked("origin", sources.name_of(&first.stop_id))?,
        destination: checked("destination", sources.name_of(&last.stop_id))?,
        block_id: trip.block_id.clone(),
    };
    let runs: Vec<(String, ServiceTime, ServiceTime)> = match sources.runs.get(&trip.trip_id) {
        None => vec![(trip.trip_id.clone(), departs, arrives)],
        Some(starts) => starts
            .iter()
            .map(|&s| {
                (
                    format!("{}@{}", trip.trip_id, s.label()),
                    s,
                    ServiceTime(s.0 + (arrives.0 - departs.0)),
                )
            })
            .collect(),
    };
    for date in sources.services.dates(&trip.service_id) {
        for (key, departs, arrives) in &runs {
            out.push(
                draft(&names, route, date, key, (*departs, *arrives), options)
                    .map_err(|r| skip("trips.txt", trip.line, "time-invalid", &r))?,
            );
        }
    }
    Ok(())
}

struct Names {
    line: String,
    train_number: String,
    origin: String,
    destination: String,
    block_id: Option<String>,
}

fn draft(
    names: &Names,
    route: &Route,
    date: NaiveDate,
    key: &str,
    (departs, arrives): (ServiceTime, ServiceTime),
    options: &ImportOptions,
) -> Result<TripDraft, String> {
    let instant = |t: ServiceTime| {
        t.on(date, route.zone)
            .ok_or_else(|| format!("no local noon on {date} in {}", route.zone.name()))
    };
    Ok(TripDraft {
        service_date: date,
        line: names.line.clone(),
        train_number: names.train_number.clone(),
        origin: names.origin.clone(),
        destination: names.destination.clone(),
        departs_at: instant(departs)?,
        arrives_at: instant(arrives)?,
        seats: options.default_seats,
        cars: None,
        collections: None,
        timezone: route.zone,
        source: Some(ExternalKey {
            feed_trip_id: key.to_owned(),
            service_date: date,
        }),
        block_id: names.block_id.clone(),
    })
}

/// Refuses a range that would produce more drafts than the cap.
pub fn check_count(count: usize, options: &ImportOptions) -> Result<(), GtfsError> {
    let max = options.limits.max_trips;
    if count > max {
        return Err(GtfsError::Request(format!(
            "the feed runs more than {max} trips between {} and {}: import a shorter date range",
            options.from, options.to
        )));
    }
    Ok(())
}
