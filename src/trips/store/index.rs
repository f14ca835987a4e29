//! The in-memory index of the trips around now: by id and by service date.
//!
//! It holds the service dates of [`Span::around`] today, whole: a lookup by
//! id answers for every trip whose seat codes can open a session now, and a
//! day of the span is listed without the database.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::rows::Stored;
use crate::FastMap;
use crate::trips::model::{Trip, TripId};

/// Days of the span before and after today (UTC).
///
/// Why two each way: a trip's codes open sessions from 30 minutes before its
/// departure to 15 minutes after its arrival; a service date may lie a day
/// before its trip's UTC departure (GTFS times past 24:00, time zones west
/// of UTC) or a day after it (zones east of UTC, up to UTC+14). Two days
/// each way covers these with a day to spare, and the trips of a national
/// network on five days (50,000) take a few tens of megabytes.
const DAYS_BEFORE: i64 = 2;
const DAYS_AFTER: i64 = 2;

/// The service dates held in memory: `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    /// The span around `today`.
    pub fn around(today: NaiveDate) -> Self {
        Self {
            first: today - Duration::days(DAYS_BEFORE),
            last: today + Duration::days(DAYS_AFTER),
        }
    }

    /// Whether `date` is held.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// A trip of the index, shared instead of copied (the passenger routes look
/// one up on every request). Later changes to the trip are not seen through
/// it: look it up again.
#[derive(Debug, Clone)]
pub struct SharedTrip(Arc<Trip>);

impl std::ops::Deref for SharedTrip {
    type Target = Trip;
    fn deref(&self) -> &Trip {
        &self.0
    }
}

#[derive(Debug)]
struct Held {
    trip: SharedTrip,
    revision: i64,
}

/// The trips of the span, as of generation `seen` at least.
#[derive(Debug)]
pub(super) struct Index {
    pub span: Span,
    /// Every change up to this generation of the trips domain is in.
    pub seen: i64,
    trips: FastMap<TripId, Held>,
    days: BTreeMap<NaiveDate, BTreeSet<(DateTime<Utc>, TripId)>>,
}

impl Index {
    /// An empty index of `span`.
    pub fn new(span: Span, seen: i64) -> Self {
        Self {
            span,
            seen,
            trips: FastMap::default(),
            days: BTreeMap::new(),
        }
    }

    /// The trip with this id, if it runs in the span.
    pub fn get(&self, id: TripId) -> Option<&SharedTrip> {
        self.trips.get(&id).map(|h| &h.trip)
    }

    /// The trips of one day of the span, by departure.
    pub fn day(&self, date: NaiveDate) -> impl Iterator<Item = &SharedTrip> {
        self.days
            .get(&date)
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| self.get(*id))
    }

    /// Puts stored trips in (those of the span), unless the index already
    /// holds a newer revision of one: a refresh that read the database just
    /// before this process's own write committed must not undo it.
    pub fn put(&mut self, stored: impl IntoIterator<Item = Stored>) {
        for Stored { trip, revision } in stored {
            if !self.span.contains(trip.service_date) {
                continue;
            }
            if let Some(held) = self.trips.get(&trip.id) {
                if held.revision > revision {
                    continue;
                }
                let old = (held.trip.departs_at, trip.id);
                if let Some(day) = self.days.get_mut(&held.trip.service_date) {
                    day.remove(&old);
                }
            }
            self.days
                .entry(trip.service_date)
                .or_default()
                .insert((trip.departs_at, trip.id));
            self.trips.insert(
                trip.id,
                Held {
                    trip: SharedTrip(Arc::new(trip)),
                    revision,
                },
            );
        }
    }

    /// Moves the index to `span`: drops the days that left it. Returns the
    /// dates that entered it, for the caller to load.
    pub fn move_to(&mut self, span: Span) -> Vec<NaiveDate> {
        let old = std::mem::replace(&mut self.span, span);
        let leaving: Vec<NaiveDate> = self
            .days
            .keys()
            .copied()
            .filter(|d| !span.contains(*d))
            .collect();
        for date in leaving {
            for (_, id) in self.days.remove(&date).unwrap_or_default() {
                self.trips.remove(&id);
            }
        }
        span.first
            .iter_days()
            .take_while(|d| *d <= span.last)
            .filter(|d| !old.contains(*d))
            .collect()
    }

    /// How many trips the index holds.
    pub fn len(&self) -> usize {
        self.trips.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trips::model::ExternalKey;

    fn trip_on(id: u32, date: NaiveDate, revision: i64) -> Stored {
        let mut draft = crate::trips::tests::draft();
        draft.service_date = date;
        draft.source = Some(ExternalKey {
            feed_trip_id: format!("t{id}"),
            service_date: date,
        });
        Stored {
            trip: draft.into_trip(TripId::new(id), "op-test"),
            revision,
        }
    }

    /// The day roll-over drops the day that left the span and names the one
    /// that entered it; trips outside the span never go in.
    #[test]
    fn a_new_day_drops_the_oldest_and_asks_for_the_newest() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let mut index = Index::new(Span::around(today), 0);
        let days: Vec<NaiveDate> = (-3..=3).map(|d| today + Duration::days(d)).collect();
        index.put(days.iter().zip(1..).map(|(d, id)| trip_on(id, *d, 1)));
        assert_eq!(
            index.len(),
            5,
            "the days before and after the span stay out"
        );
        let tomorrow = today + Duration::days(1);
        let entering = index.move_to(Span::around(tomorrow));
        assert_eq!(entering, vec![today + Duration::days(3)]);
        assert!(
            index.get(TripId::new(2)).is_none(),
            "{} left the span",
            days[1]
        );
        assert!(index.get(TripId::new(3)).is_some());
        assert_eq!(index.day(days[1]).count(), 0);
    }

    /// A revision older than the one held never replaces it.
    #[test]
    fn an_older_revision_never_replaces_a_newer_one() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let mut index = Index::new(Span::around(today), 0);
        let mut newer = trip_on(1, today, 5);
        newer.trip.line = "newer".into();
        index.put([newer]);
        index.put([trip_on(1, today, 4)]);
        assert_eq!(index.get(TripId::new(1)).unwrap().line, "newer");
        assert_eq!(index.day(today).count(), 1);
    }
}
