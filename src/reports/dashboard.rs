//! The operator's dashboard: trips of the day with their state and live
//! sessions, scans per hour, and the titles most opened today.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::reports::table::Count;
use crate::trips::{Trip, Window};
use crate::usage::Counters;

/// Where a trip stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Its window has not opened yet.
    Upcoming,
    /// Inside its window: codes open sessions.
    Running,
    /// Its window has closed.
    Ended,
    /// Cancelled by the operator.
    Cancelled,
}

/// A trip's status at `now`.
pub fn status(trip: &Trip, window: &Window, now: DateTime<Utc>) -> Status {
    if trip.is_cancelled() {
        Status::Cancelled
    } else if now < window.opens_at {
        Status::Upcoming
    } else if window.contains(now) {
        Status::Running
    } else {
        Status::Ended
    }
}

/// The trips a dashboard of `date` shows: that day's, and the previous day's
/// still running (trains after midnight belong to the previous service date).
pub fn trips_of(
    today: Vec<Trip>,
    yesterday: Vec<Trip>,
    window: impl Fn(&Trip) -> Window,
    now: DateTime<Utc>,
) -> Vec<Trip> {
    let mut trips: Vec<Trip> = yesterday
        .into_iter()
        .filter(|t| status(t, &window(t), now) == Status::Running)
        .collect();
    trips.extend(today);
    trips
}

/// One dashboard line per trip: the trip, its status and its live sessions
/// (`null` when the session store could not say).
pub fn trip_entry(trip: &Trip, status: Status, live_sessions: Option<u64>) -> Value {
    let mut value = serde_json::to_value(trip).unwrap_or_default();
    if let Value::Object(map) = &mut value {
        map.insert("status".into(), serde_json::json!(status));
        map.insert("live_sessions".into(), serde_json::json!(live_sessions));
    }
    value
}

/// One bar of the scans chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourBar {
    /// The hour's start, RFC 3339 in UTC.
    pub hour: String,
    /// Scans that opened a session in that hour.
    pub scans: u64,
}

/// The 24 hours ending with the current one, every hour present (zeros included).
pub fn hour_bars(counts: &BTreeMap<i64, u64>, first_hour: i64) -> Vec<HourBar> {
    (0..24)
        .map(|i| {
            let hour = first_hour + i * 3600;
            HourBar {
                hour: DateTime::from_timestamp(hour, 0)
                    .unwrap_or_default()
                    .to_rfc3339(),
                scans: counts.get(&hour).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// The start of the first of the 24 hours ending with `now`'s hour.
pub fn first_hour(now: DateTime<Utc>) -> i64 {
    let unix = now.timestamp();
    unix - unix.rem_euclid(3600) - 23 * 3600
}

/// A title among the most opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopTitle {
    /// The title id.
    pub title: String,
    /// Its publisher's account id.
    pub publisher: String,
    /// The title as its book names it (filled by [`name_titles`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The publisher's name (filled by [`name_titles`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher_name: Option<String>,
    /// Sessions that opened it.
    pub sessions: Count,
    /// Minutes read.
    pub reading_minutes: Count,
}

/// The `limit` titles most opened among `(title, publisher, counts)`, most
/// first (ties by id).
pub fn top_titles(read: Vec<(String, String, Counters)>, limit: usize) -> Vec<TopTitle> {
    let mut ranked: Vec<_> = read
        .into_iter()
        .map(|(title, publisher, c)| ((title, publisher), c))
        .collect();
    ranked.sort_by(|(ka, a), (kb, b)| {
        (b.opened, b.reading_seconds)
            .cmp(&(a.opened, a.reading_seconds))
            .then(ka.cmp(kb))
    });
    ranked
        .into_iter()
        .take(limit)
        .map(|((title, publisher), c)| TopTitle {
            title,
            publisher,
            name: None,
            publisher_name: None,
            sessions: Count::of(c.opened),
            reading_minutes: Count::of((c.reading_seconds + 30) / 60),
        })
        .collect()
}

/// Gives each title the names people read: the book's title and the
/// publisher's name, when they are still known (a deleted title keeps its id).
pub fn name_titles(
    titles: &mut [TopTitle],
    title_name: impl Fn(&str) -> Option<String>,
    publisher_name: impl Fn(&str) -> Option<String>,
) {
    for t in titles {
        t.name = title_name(&t.title);
        t.publisher_name = publisher_name(&t.publisher);
    }
}

/// The service date before `date`.
pub fn previous_day(date: NaiveDate) -> NaiveDate {
    date - Duration::days(1)
}
