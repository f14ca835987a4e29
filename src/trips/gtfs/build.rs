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

/// The drafts of one selected trip on every service date of the range.
pub fn drafts(
    trip: &FeedTrip,
    route: &Route,
    sources: &Sources<'_>,
    options: &ImportOptions,
    out: &mut Vec<TripDraft>,
) -> Result<(), SkippedRow> {
    let skip = |file, line, reason: String| SkippedRow {
        file,
        line,
        trip_id: Some(trip.trip_id.clone()),
        reason,
    };
    let calls = sources
        .calls
        .get(&trip.trip_id)
        .ok_or_else(|| skip("trips.txt", trip.line, "the trip has no stop_times".into()))?;
    if let Some((line, reason)) = &calls.problem {
        return Err(skip("stop_times.txt", *line, reason.clone()));
    }
    let (Some(first), Some(last)) = (&calls.first, &calls.last) else {
        return Err(skip(
            "trips.txt",
            trip.line,
            "the trip has no stop_times".into(),
        ));
    };
    if first.sequence == last.sequence {
        return Err(skip(
            "stop_times.txt",
            first.line,
            "the trip has a single stop".into(),
        ));
    }
    let departs = first.departure.or(first.arrival).ok_or_else(|| {
        skip(
            "stop_times.txt",
            first.line,
            "the first stop has no time".into(),
        )
    })?;
    let arrives = last.arrival.or(last.departure).ok_or_else(|| {
        skip(
            "stop_times.txt",
            last.line,
            "the last stop has no time".into(),
        )
    })?;
    if arrives <= departs {
        return Err(skip(
            "stop_times.txt",
            last.line,
            "the last stop is not reached after the first one departs".into(),
        ));
    }
    let checked = |field, value: &str| {
        text(field, value.to_owned()).map_err(|e| skip("trips.txt", trip.line, e.to_string()))
    };
    let names = Names {
        line: checked("line", &route.line)?,
        train_number: checked("train_number", &trip.train_number)?,
        origin: checked("origin", &sources.stops[&first.stop_id])?,
        destination: checked("destination", &sources.stops[&last.stop_id])?,
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
                    .map_err(|r| skip("trips.txt", trip.line, r))?,
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
    })
}

/// Refuses a range that would produce more drafts than the cap.
pub fn check_count(count: usize, options: &ImportOptions) -> Result<(), GtfsError> {
    if count > options.max_trips {
        return Err(GtfsError::Request(format!(
            "the feed runs more than {} trips between {} and {}: import a shorter date range",
            options.max_trips, options.from, options.to
        )));
    }
    Ok(())
}
