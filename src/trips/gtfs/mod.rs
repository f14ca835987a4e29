//! GTFS import: the rail trips of a feed (zip) for a date range.
//!
//! A hand parser on the `csv` crate rather than `gtfs-structures`: tried on
//! the corpus, that crate accepted the feed with mixed line endings, read the
//! `../` entries of the zip-slip feed, refused a whole feed for one undefined
//! stop without naming the line, inflated entries without a size cap, and
//! brought a second `zip` and `sha2` major version into the build.
//!
//! Rules: files may sit in a subfolder; UTF-8 with or without BOM; CRLF or LF
//! (not mixed); padded headers and values; service dates from `calendar.txt`
//! and/or `calendar_dates.txt`; times past 24:00:00; departure at the first
//! stop, arrival at the last, in the agency's time zone; rail route types
//! (2, 100–117) unless asked otherwise; frequency-based trips become one trip
//! per run. A broken file refuses the feed; a bad row skips its trip only.

mod archive;
mod build;
mod calendar;
mod clock;
pub mod error;
mod feed;
mod frequencies;
mod import;
mod stop_times;
mod table;
mod text;

use std::collections::HashSet;
use std::io::{Read, Seek};

use chrono::NaiveDate;

use crate::trips::model::Seats;
use crate::trips::request::TripDraft;
use archive::Archive;
pub use error::{GtfsError, SkippedRow};
pub use import::{ImportError, ImportReport, import};

/// What to import and the resource limits that apply.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// First service date imported.
    pub from: NaiveDate,
    /// Last service date imported (included).
    pub to: NaiveDate,
    /// Seats given to every imported trip: GTFS does not say.
    pub default_seats: Seats,
    /// Import every route type, not only rail (2 and 100–117).
    pub all_route_types: bool,
    /// Cap on the inflated size of one file of the zip.
    pub max_entry_bytes: u64,
    /// Cap on the trips one import may produce.
    pub max_trips: usize,
}

/// The longest date range one import covers.
pub const MAX_RANGE_DAYS: i64 = 366;

impl ImportOptions {
    /// Rail trips of `[from, to]` with 400 seats each and the default caps
    /// (256 MiB per file: the largest national stop_times files stay below).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from,
            to,
            default_seats: Seats::new(400).expect("400 is a valid seat count"),
            all_route_types: false,
            max_entry_bytes: 256 << 20,
            max_trips: 200_000,
        }
    }

    fn check(&self) -> Result<(), GtfsError> {
        let days = (self.to - self.from).num_days();
        if days < 0 {
            return Err(GtfsError::Request(format!(
                "the range ends ({}) before it starts ({})",
                self.to, self.from
            )));
        }
        if days >= MAX_RANGE_DAYS {
            return Err(GtfsError::Request(format!(
                "the range spans more than {MAX_RANGE_DAYS} days"
            )));
        }
        Ok(())
    }
}

/// Whether a GTFS `route_type` is a train: 2 (rail) or 100–117 (extended rail types).
pub fn is_rail(route_type: u32) -> bool {
    route_type == 2 || (100..=117).contains(&route_type)
}

/// The trips a feed runs in the range, ready for `TripStore::import_batch`.
#[derive(Debug)]
pub struct FeedTrips {
    /// One draft per trip, service date and run.
    pub trips: Vec<TripDraft>,
    /// Rows left out, with the reason.
    pub skipped: Vec<SkippedRow>,
    /// Trips running in the range on routes that are not rail (left out).
    pub other_route_types: usize,
}

/// Reads a GTFS zip; CPU work: call from `spawn_blocking`.
pub fn read_feed<R: Read + Seek>(
    reader: R,
    options: &ImportOptions,
) -> Result<FeedTrips, GtfsError> {
    options.check()?;
    let mut archive = Archive::open(reader, options.max_entry_bytes)?;
    for file in [
        "agency.txt",
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
    ] {
        if !archive.has(file) {
            return Err(GtfsError::MissingFile {
                file: file.to_owned(),
                hint: String::new(),
            });
        }
    }
    if !archive.has("calendar.txt") && !archive.has("calendar_dates.txt") {
        let hint = " and so is calendar_dates.txt: a feed needs at least one to say when trips run"
            .to_owned();
        return Err(GtfsError::MissingFile {
            file: "calendar.txt".to_owned(),
            hint,
        });
    }
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

    let mut selected = Vec::new();
    let mut other_route_types = 0;
    for trip in &trips {
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
