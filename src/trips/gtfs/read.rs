//! Reading a feed: required files, then the small files, then the trips
//! selected for the range, then their stop times.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};

use super::archive::Archive;
use super::calendar::{self, Services};
use super::error::{GtfsError, SkippedRow};
use super::feed::{self, FeedTrip, Route};
use super::{FeedTrips, ImportOptions, build, frequencies, is_rail, stop_times, text};

/// Reads a GTFS zip; CPU work: call from `spawn_blocking`.
pub fn read_feed<R: Read + Seek>(
    reader: R,
    options: &ImportOptions,
) -> Result<FeedTrips, GtfsError> {
    options.check()?;
    let mut archive = Archive::open(reader, options.max_entry_bytes)?;
    check_required(&archive)?;
    let mut skipped = Vec::new();
    let agencies = feed::agencies(&read_text(&mut archive, "agency.txt")?.unwrap_or_default())?;
    let routes = feed::routes(
        &read_text(&mut archive, "routes.txt")?.unwrap_or_default(),
        &agencies,
        &mut skipped,
    )?;
    let calendar = read_text(&mut archive, "calendar.txt")?;
    let calendar_dates = read_text(&mut archive, "calendar_dates.txt")?;
    let services = calendar::read(
        calendar.as_deref(),
        calendar_dates.as_deref(),
        (options.from, options.to),
        &mut skipped,
    )?;
    let trips = feed::trips(
        &read_text(&mut archive, "trips.txt")?.unwrap_or_default(),
        &mut skipped,
    )?;
    let stops = feed::stops(&read_text(&mut archive, "stops.txt")?.unwrap_or_default())?;

    let (selected, other_route_types) = select(&trips, &routes, &services, options, &mut skipped);

    let wanted: HashSet<&str> = selected.iter().map(|(t, _)| t.trip_id.as_str()).collect();
    let calls = stop_times::read(
        &read_text(&mut archive, "stop_times.txt")?.unwrap_or_default(),
        &wanted,
        &stops,
    )?;
    let runs = match read_text(&mut archive, "frequencies.txt")? {
        Some(text) => frequencies::read(&text, &mut skipped)?,
        None => Default::default(),
    };
    let sources = build::Sources {
        services: &services,
        stops: &stops,
        calls: &calls,
        runs: &runs,
    };
    let mut drafts = Vec::new();
    for (trip, route) in selected {
        if let Err(row) = build::drafts(trip, route, &sources, options, &mut drafts) {
            skipped.push(row);
        }
        build::check_count(drafts.len(), options)?;
    }
    skipped.sort_by(|a, b| (a.file, a.line).cmp(&(b.file, b.line)));
    Ok(FeedTrips {
        trips: drafts,
        skipped,
        other_route_types,
    })
}

/// Inflates and decodes one file (`None` when the feed lacks it).
fn read_text<R: Read + Seek>(
    archive: &mut Archive<R>,
    file: &str,
) -> Result<Option<String>, GtfsError> {
    let Some(bytes) = archive.read(file)? else {
        return Ok(None);
    };
    Ok(Some(text::decode(file, &bytes)?.to_owned()))
}

/// The trips that run in the range on a wanted route type; the others are
/// counted (other route types) or skipped (undefined service or route).
fn select<'a>(
    trips: &'a [FeedTrip],
    routes: &'a HashMap<String, Route>,
    services: &Services,
    options: &ImportOptions,
    skipped: &mut Vec<SkippedRow>,
) -> (Vec<(&'a FeedTrip, &'a Route)>, usize) {
    let mut selected = Vec::new();
    let mut other_route_types = 0;
    for trip in trips {
        let skip = |reason: String| SkippedRow {
            file: "trips.txt",
            line: trip.line,
            trip_id: Some(trip.trip_id.clone()),
            reason,
        };
        if !services.is_defined(&trip.service_id) {
            skipped.push(skip(format!(
                "service_id {:?} is in neither calendar.txt nor calendar_dates.txt",
                trip.service_id
            )));
        } else if services.dates(&trip.service_id).next().is_none() {
            // Does not run in the range: nothing to import, nothing wrong.
        } else if let Some(route) = routes.get(&trip.route_id) {
            if options.all_route_types || is_rail(route.route_type) {
                selected.push((trip, route));
            } else {
                other_route_types += 1;
            }
        } else {
            skipped.push(skip(format!(
                "route_id {:?} is not a usable route of routes.txt",
                trip.route_id
            )));
        }
    }
    (selected, other_route_types)
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
