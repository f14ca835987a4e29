//! Reading a feed in passes over its files, each streamed: the small files,
//! then the trips that run in the range, then their stop times, then the
//! names of the stops they start and end at. What is kept grows with the
//! trips imported, never with the size of the feed.

use std::collections::HashSet;
use std::io::{Read, Seek};

use super::archive::Archive;
use super::calendar::Services;
use super::error::{GtfsError, Skipped};
use super::{FeedTrips, ImportOptions, build, feed, frequencies, stop_times, stops};

/// Reads a GTFS zip; CPU work: call from `spawn_blocking`.
pub fn read_feed<R: Read + Seek>(
    reader: R,
    options: &ImportOptions,
) -> Result<FeedTrips, GtfsError> {
    options.check()?;
    let mut archive = Archive::open(reader, &options.limits)?;
    check_required(&archive)?;
    let mut skipped = Skipped::new(options.limits.skipped_rows_shown);
    let agencies = feed::agencies(required(&mut archive, "agency.txt")?)?;
    let routes = feed::routes(
        required(&mut archive, "routes.txt")?,
        &agencies,
        &mut skipped,
    )?;
    let range = (options.from, options.to);
    let mut services = Services::default();
    if let Some(table) = archive.table("calendar.txt")? {
        services.read_calendar(table, range, &mut skipped)?;
    }
    if let Some(table) = archive.table("calendar_dates.txt")? {
        services.read_calendar_dates(table, range, &mut skipped)?;
    }
    let selection = feed::trips(
        required(&mut archive, "trips.txt")?,
        &routes,
        &services,
        options,
        &mut skipped,
    )?;
    let stop_ids = stops::ids(required(&mut archive, "stops.txt")?)?;
    let wanted: HashSet<&str> = selection.trips.iter().map(|t| t.trip_id.as_str()).collect();
    let calls = stop_times::read(
        required(&mut archive, "stop_times.txt")?,
        &wanted,
        &stop_ids,
    )?;
    drop(stop_ids);
    let runs = match archive.table("frequencies.txt")? {
        Some(table) => frequencies::read(table, &wanted, &mut skipped)?,
        None => Default::default(),
    };
    let ends: HashSet<&str> = calls
        .values()
        .flat_map(|c| [&c.first, &c.last])
        .flatten()
        .map(|call| call.stop_id.as_str())
        .collect();
    let names = stops::names(&mut archive, &ends)?;
    let sources = build::Sources {
        services: &services,
        stops: &names,
        calls: &calls,
        runs: &runs,
    };
    let mut drafts = Vec::new();
    for trip in &selection.trips {
        let route = &routes[&trip.route_id];
        if let Err(row) = build::drafts(trip, route, &sources, options, &mut drafts) {
            skipped.push(row);
        }
        build::check_count(drafts.len(), options)?;
    }
    skipped.sort();
    Ok(FeedTrips {
        trips: drafts,
        skipped,
        other_route_types: selection.other_route_types,
    })
}

/// The table of a file `check_required` found.
fn required<'a, R: Read + Seek>(
    archive: &'a mut Archive<R>,
    file: &'static str,
) -> Result<super::table::Table<impl Read + 'a>, GtfsError> {
    archive.table(file)?.ok_or_else(|| GtfsError::MissingFile {
        file: file.to_owned(),
        hint: String::new(),
    })
}

/// Refuses a feed without the files every import needs.
fn check_required<R: Read + Seek>(archive: &Archive<R>) -> Result<(), GtfsError> {
    let required = [
        "agency.txt",
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
    ];
    if let Some(file) = required.into_iter().find(|f| !archive.has(f)) {
        return Err(GtfsError::MissingFile {
            file: file.to_owned(),
            hint: String::new(),
        });
    }
    if !archive.has("calendar.txt") && !archive.has("calendar_dates.txt") {
        let hint = " and so is calendar_dates.txt: a feed needs at least one to say when trips run";
        return Err(GtfsError::MissingFile {
            file: "calendar.txt".to_owned(),
            hint: hint.to_owned(),
        });
    }
    Ok(())
}
