//! What a live timetable (GTFS-Realtime) says about trips, in trajet's terms:
//! the feed's wire format stays in `crate::realtime`; the store applies
//! these in one write (`TripStore::apply_live`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::model::TripId;

/// A trip as a feed names it: its GTFS `trip_id`, and the service date when
/// the feed gives one (`start_date`). Without a date, the trip of that id
/// running nearest to now is meant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedTripRef {
    /// The GTFS `trip_id`, as the static timetable's import stored it.
    pub trip_id: String,
    /// The service date (`start_date`), when given.
    pub service_date: Option<NaiveDate>,
}

impl std::fmt::Display for FeedTripRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.service_date {
            Some(date) => write!(f, "{} on {date}", self.trip_id),
            None => f.write_str(&self.trip_id),
        }
    }
}

/// When a feed expects the train at its last stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prediction {
    /// An absolute instant (the last stop's predicted arrival).
    At(DateTime<Utc>),
    /// A delay in seconds, added to the scheduled arrival (GTFS-Realtime
    /// propagates a stop's delay to the stops after it).
    Delay(i64),
}

impl Prediction {
    /// The predicted arrival of a trip scheduled to arrive at `scheduled`.
    pub fn arrival(self, scheduled: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Prediction::At(at) => at,
            Prediction::Delay(seconds) => scheduled + chrono::Duration::seconds(seconds),
        }
    }
}

/// A trip the feed runs that the static timetable does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedTrip {
    /// Shown as the line (the feed's `route_id`, or the copied trip's line).
    pub line: String,
    /// The train number (`trip_short_name`, else the `trip_id`).
    pub train_number: String,
    /// First stop.
    pub origin: String,
    /// Last stop (the headsign when given).
    pub destination: String,
    /// Departure from the first stop.
    pub departs_at: DateTime<Utc>,
    /// Arrival at the last stop.
    pub arrives_at: DateTime<Utc>,
}

/// What a feed says about one trip.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEffect {
    /// The train runs and is expected at its last stop then.
    Arrival(Prediction),
    /// The trip does not run (`CANCELED`, or `DELETED`).
    Cancelled,
    /// A trip outside the timetable (`ADDED`/`NEW`, or a replacement).
    Added(AddedTrip),
    /// A copy of the named trip running at another time (`DUPLICATED`):
    /// the new trip's feed id and its departure.
    Duplicated {
        /// The new trip's `trip_id`.
        trip_id: String,
        /// Its service date.
        service_date: NaiveDate,
        /// Its departure: the feed's `start_time` in seconds after the
        /// start of that date in the trip's zone (may pass 24:00).
        start_seconds: u32,
    },
}

/// One entity of a feed, about one trip.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveUpdate {
    /// The trip it is about.
    pub trip: FeedTripRef,
    /// What it says.
    pub effect: LiveEffect,
}

/// What applying a feed did, for the sessions and the console.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveApplied {
    /// Trips whose arrival moved later: their sessions follow (id, window end
    /// in Unix seconds is computed by the caller from the trip).
    pub later: Vec<super::Trip>,
    /// Trips cancelled by this feed: their sessions end.
    pub cancelled: Vec<TripId>,
    /// Trips the feed added.
    pub added: usize,
    /// Entities that matched a trip (changed or confirmed).
    pub applied: usize,
    /// Entities naming trips trajet does not know.
    pub unmatched: usize,
    /// The first few of those, for the console.
    pub unmatched_sample: Vec<String>,
}

impl LiveApplied {
    /// Counts an entity that names an unknown trip, keeping the first `keep`.
    pub fn unmatched(&mut self, what: String, keep: usize) {
        self.unmatched += 1;
        if self.unmatched_sample.len() < keep {
            self.unmatched_sample.push(what);
        }
    }
}
