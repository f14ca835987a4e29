//! The trip as stored and as shown to operators (SPEC §2, §3).
//!
//! JSON: `id` is a number (a `u32`, exact in every JSON reader, and the same
//! value seat code tokens carry); instants are RFC 3339 in UTC; `timezone` is
//! an IANA name; `service_date` is `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// trajet's own compact trip id, carried inside seat code tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TripId(u32);

impl TripId {
    /// Wraps a raw id (from a verified token or from storage).
    pub const fn new(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw number, as tokens carry it.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TripId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for TripId {
    type Err = std::num::ParseIntError;

    /// Parses the decimal form used in URLs (`/trips/42`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

/// A seat count between 1 and [`Seats::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Seats(u16);

impl Seats {
    /// The most seats a trip may have: the longest double-deck trains have
    /// about 1,300; the cap keeps label sheets and code minting bounded.
    pub const MAX: u32 = 2000;

    /// Accepts 1..=2000 seats.
    pub fn new(count: u32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&count) {
            Ok(Self(count as u16))
        } else {
            Err(format!("must be between 1 and {}, not {count}", Self::MAX))
        }
    }

    /// The number of seats.
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }
}

impl TryFrom<u32> for Seats {
    type Error = String;
    fn try_from(count: u32) -> Result<Self, String> {
        Self::new(count)
    }
}

impl From<Seats> for u32 {
    fn from(seats: Seats) -> u32 {
        seats.get()
    }
}

/// Whether a trip runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TripState {
    /// The trip runs; its codes open sessions inside its window.
    Scheduled,
    /// The trip was cancelled: its codes are refused, its sessions ended.
    Cancelled,
}

/// Where an imported trip came from, so that importing the same feed again
/// updates the same trip instead of adding a copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalKey {
    /// The feed's `trip_id` (with `@HH:MM:SS` for runs of a frequency-based trip).
    pub feed_trip_id: String,
    /// The GTFS service date the trip runs on.
    pub service_date: NaiveDate,
}

/// A trip of one train on one service date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trip {
    /// trajet's id of the trip.
    pub id: TripId,
    /// The operating day (GTFS service date; may precede the departure's local date).
    pub service_date: NaiveDate,
    /// The line name shown to passengers (`TER Auvergne-Rhône-Alpes`, `Baby Bullet`).
    pub line: String,
    /// The train number (`17423`).
    pub train_number: String,
    /// Name of the first stop.
    pub origin: String,
    /// Name of the last stop.
    pub destination: String,
    /// Departure from the first stop.
    pub departs_at: DateTime<Utc>,
    /// Current expected arrival at the last stop (moves when the operator extends the trip).
    pub arrives_at: DateTime<Utc>,
    /// The arrival as planned (by hand or by the feed), before any extension.
    pub scheduled_arrives_at: DateTime<Utc>,
    /// Number of seats.
    pub seats: Seats,
    /// Car names, when seats are numbered per car.
    pub cars: Option<Vec<String>>,
    /// Collections offered on this trip; `None` offers every live title.
    pub collections: Option<Vec<String>>,
    /// Scheduled or cancelled.
    pub state: TripState,
    /// The time zone the trip is shown in.
    #[serde(with = "tz_name")]
    pub timezone: Tz,
    /// The GTFS origin of an imported trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ExternalKey>,
    /// The account id of the operator that created or imported the trip; it
    /// never changes. Every stored trip has one (`None` only in a trip
    /// built by hand, which the store refuses to write).
    #[serde(default)]
    pub operator: Option<String>,
    /// The GTFS `block_id` of an imported trip: the trips one vehicle runs in
    /// a row. A roster line naming the block assigns a vehicle to all of them.
    #[serde(default)]
    pub block_id: Option<String>,
}

/// The span in which a trip's seat codes open sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The earliest instant a scan opens a session.
    pub opens_at: DateTime<Utc>,
    /// The instant sessions of the trip expire.
    pub closes_at: DateTime<Utc>,
}

impl Window {
    /// Whether `now` falls inside the window (start included, end excluded).
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

impl Trip {
    /// The trip's window: `window_before` ahead of departure to `window_after`
    /// past the current arrival (30 and 15 minutes by default, SPEC §2). The
    /// one place this rule is written: scans, codes, sessions, the console
    /// and the dashboard all ask here. Absurd margins saturate at the ends of
    /// time rather than wrap or vanish.
    pub fn window(&self, config: &Config) -> Window {
        let margin = |d: std::time::Duration| Duration::from_std(d).unwrap_or(Duration::MAX);
        Window {
            opens_at: self
                .departs_at
                .checked_sub_signed(margin(config.window_before))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            closes_at: self
                .arrives_at
                .checked_add_signed(margin(config.window_after))
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }

    /// Whether the trip was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.state == TripState::Cancelled
    }

    /// Whether `operator` (an account id) owns the trip.
    pub fn belongs_to(&self, operator: &str) -> bool {
        self.operator.as_deref() == Some(operator)
    }
}

/// Serializes a `Tz` as its IANA name.
mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map_err(|_| D::Error::custom(format!("unknown time zone {name:?}")))
    }
}
