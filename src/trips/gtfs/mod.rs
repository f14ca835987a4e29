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
//!
//! Memory: files are streamed from the zip through the CSV reader, never
//! inflated whole; what is kept grows with the trips the date range imports
//! (bounded by `max_trips`), not with the rows of the feed. The report keeps
//! the first skipped rows and counts all of them by reason.

mod archive;
mod build;
mod calendar;
mod clock;
pub mod error;
mod feed;
mod frequencies;
mod import;
mod read;
mod stop_times;
mod stops;
mod table;
mod text;

use chrono::NaiveDate;

use crate::config::GtfsLimits;
use crate::trips::model::Seats;
use crate::trips::request::TripDraft;
pub use error::{GtfsError, Skipped, SkippedRow};
pub use import::{ImportError, ImportReport, import};
pub use read::read_feed;

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
    /// Size caps and the length of the report (from the configuration).
    pub limits: GtfsLimits,
}

/// The longest date range one import covers.
pub const MAX_RANGE_DAYS: i64 = 366;

impl ImportOptions {
    /// Rail trips of `[from, to]` with 400 seats each, under the default limits.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from,
            to,
            default_seats: Seats::new(400).expect("400 is a valid seat count"),
            all_route_types: false,
            limits: GtfsLimits::default(),
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
    /// Rows left out: counted by reason, the first ones kept.
    pub skipped: Skipped,
    /// Trips running in the range on routes that are not rail (left out).
    pub other_route_types: usize,
}
