//! A live timetable's effects, all in one write: a feed's fetch is applied
//! whole or not at all (a crash or an error mid-way leaves the trips as the
//! previous fetch left them).
//!
//! `realtime_trips` remembers which arrivals a feed set, so that when the
//! feed goes stale those trips fall back to their schedule, and only those:
//! an arrival an operator set by hand since is theirs and stays.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::{AnyConnection, Row as _};

use super::TripStore;
use super::history::{self, Change, Source};
use super::ops::allocate_ids;
use super::rows::{self, COLUMNS, Stored};
use crate::db::{Domain, Params, Write, rows_per_statement};
use crate::trips::error::TripError;
use crate::trips::live::{FeedTripRef, LiveApplied, LiveEffect, LiveUpdate};
use crate::trips::model::{ExternalKey, Seats, Trip, TripId, TripState};

/// Entities (and trips put in the index) between two yields to the
/// passengers' requests.
const YIELD_EVERY: usize = 512;

/// How a feed's trips are made and reported.
#[derive(Debug, Clone, Copy)]
pub struct LiveOptions {
    /// The zone of trips the feed adds.
    pub timezone: Tz,
    /// Seats of trips the feed adds (a feed knows no seat count).
    pub seats: Seats,
    /// How many unknown trips the report names (all are counted).
    pub unmatched_shown: usize,
}

/// A feed's effects on trips, written in a transaction not committed yet.
#[derive(Debug)]
pub struct LiveWrite {
    /// What the feed did.
    pub applied: LiveApplied,
    /// The trip each of the `refs` given names, when it is one of the
    /// operator's trips of the current days.
    pub found: Vec<Option<TripId>>,
    /// The trips written, to put in the index once committed.
    stored: Vec<Stored>,
}

impl LiveWrite {
    /// Whether the write changed trips (else it needs no commit for them).
    pub fn changed(&self) -> bool {
        !self.stored.is_empty()
    }
}

/// The trips of one fetch, with what happened to each.
struct Batch {
    trips: Vec<Trip>,
    by_key: HashMap<(String, NaiveDate), usize>,
    by_feed_id: HashMap<String, Vec<usize>>,
    /// Indexes of the trips changed, once each (`dirty` marks them).
    changed: Vec<usize>,
    dirty: Vec<bool>,
    /// Whether a trip's departure moved (rarely: an added trip's update);
    /// the others' writes leave the departure and its index alone.
    departure_moved: Vec<bool>,
    changes: Vec<Change>,
    /// The arrivals the feed set: `(trip index, arrival)`.
    feed_arrivals: Vec<(usize, DateTime<Utc>)>,
    created: Vec<usize>,
}

impl Batch {
    fn with_capacity(n: usize) -> Self {
        Batch {
            trips: Vec::with_capacity(n),
            by_key: HashMap::with_capacity(n),
            by_feed_id: HashMap::with_capacity(n),
            changed: Vec::new(),
            dirty: Vec::with_capacity(n),
            departure_moved: Vec::with_capacity(n),
            changes: Vec::new(),
            feed_arrivals: Vec::new(),
            created: Vec::new(),
        }
    }

    fn find(&self, key: &FeedTripRef, now: DateTime<Utc>) -> Option<usize> {
        match key.service_date {
            Some(date) => self.by_key.get(&(key.trip_id.clone(), date)).copied(),
            // Undated: the run of that trip departing nearest to now.
            None => self.by_feed_id.get(&key.trip_id).and_then(|found| {
                found
                    .iter()
                    .copied()
                    .min_by_key(|&i| (self.trips[i].departs_at - now).num_seconds().abs())
            }),
        }
    }

    fn push(&mut self, trip: Trip) -> usize {
        let i = self.trips.len();
        if let Some(key) = &trip.source {
            self.by_key
                .insert((key.feed_trip_id.clone(), key.service_date), i);
            self.by_feed_id
                .entry(key.feed_trip_id.clone())
                .or_default()
                .push(i);
        }
        self.trips.push(trip);
        self.dirty.push(false);
        self.departure_moved.push(false);
        i
    }

    fn changed(&mut self, i: usize, detail: serde_json::Value) {
        if !self.dirty[i] {
            self.dirty[i] = true;
            self.changed.push(i);
        }
        self.changes.push(Change {
            trip: self.trips[i].id,
            detail,
        });
    }
}

impl TripStore {
    /// Applies a feed's updates to `operator`'s trips in one transaction and
    /// records each change in the trips' histories (source `realtime`).
    ///
    /// - A predicted arrival moves the trip's arrival, never before its
    ///   scheduled one (an early train does not shorten reading); whether it
    ///   extends sessions is the caller's business (`LiveApplied::later`),
    ///   and sessions never move backward.
    /// - A cancellation cancels the trip.
    /// - Added and duplicated trips are created, or updated when a previous
    ///   fetch created them.
    ///
    /// Only trips of the service dates held in memory are looked at: a feed
    /// is about trips running now. Unknown trips are counted, not errors.
    pub async fn apply_live(
        &self,
        operator: &str,
        updates: &[LiveUpdate],
        options: LiveOptions,
        now: DateTime<Utc>,
    ) -> Result<LiveApplied, TripError> {
        let mut write = self.db.write(Domain::Trips).await?;
        let live = self
            .apply_live_in(&mut write, operator, updates, &[], options, now)
            .await?;
        if !live.changed() {
            return Ok(live.applied); // nothing changed: the write rolls back
        }
        write.commit().await?;
        Ok(self.published(live).await)
    }

    /// [`TripStore::apply_live`] inside `write` (a write of the trips
    /// domain, perhaps of others too), which the caller commits, then hands
    /// the answer to [`TripStore::published`]. Also finds the trips `refs`
    /// name (a feed's vehicles name trips too), added trips included.
    pub async fn apply_live_in(
        &self,
        write: &mut Write,
        operator: &str,
        updates: &[LiveUpdate],
        refs: &[FeedTripRef],
        options: LiveOptions,
        now: DateTime<Utc>,
    ) -> Result<LiveWrite, TripError> {
        let span = self.read().span;
        let mut report = LiveApplied::default();
        let (first, last) = dates(updates, refs, span.first, span.last, now);
        let names: Vec<&str> = {
            // Copies (`DUPLICATED`) go by their own id: a previous fetch may have made them.
            let mut names: Vec<&str> = updates
                .iter()
                .flat_map(|u| match &u.effect {
                    LiveEffect::Duplicated { trip_id, .. } => {
                        vec![u.trip.trip_id.as_str(), trip_id.as_str()]
                    }
                    _ => vec![u.trip.trip_id.as_str()],
                })
                .chain(refs.iter().map(|r| r.trip_id.as_str()))
                .collect();
            names.sort_unstable();
            names.dedup();
            names
        };
        let mut batch = if self.caught_up(write).await? {
            self.held(operator, &names, first, last)
        } else {
            load(write.tx(), operator, &names, first, last).await?
        };
        for (n, update) in updates.iter().enumerate() {
            if n % YIELD_EVERY == YIELD_EVERY - 1 {
                // Ten thousand entities are tens of milliseconds of CPU:
                // passengers' requests on this thread get their turn.
                tokio::task::yield_now().await;
            }
            if update.trip.service_date.is_some_and(|d| !span.contains(d)) {
                report.unmatched(
                    format!("{} (not a current day)", update.trip),
                    options.unmatched_shown,
                );
                continue;
            }
            let found = batch.find(&update.trip, now);
            match (&update.effect, found) {
                (LiveEffect::Arrival(prediction), Some(i)) => {
                    report.applied += 1;
                    let trip = &batch.trips[i];
                    if trip.is_cancelled() {
                        continue;
                    }
                    let scheduled = trip.scheduled_arrives_at;
                    let to = rows::whole_seconds(prediction.arrival(scheduled).max(scheduled));
                    batch.feed_arrivals.push((i, to));
                    set_arrival(&mut batch, i, to, &mut report);
                }
                (LiveEffect::Cancelled, Some(i)) => {
                    report.applied += 1;
                    if !batch.trips[i].is_cancelled() {
                        batch.trips[i].state = TripState::Cancelled;
                        batch.changed(i, json!({"state": "cancelled"}));
                        report.cancelled.push(batch.trips[i].id);
                    }
                }
                (LiveEffect::Added(added), Some(i)) => {
                    report.applied += 1;
                    let trip = &mut batch.trips[i];
                    if trip.is_cancelled() {
                        continue;
                    }
                    if trip.departs_at != added.departs_at {
                        let from = std::mem::replace(
                            &mut trip.departs_at,
                            rows::whole_seconds(added.departs_at),
                        );
                        let to = trip.departs_at;
                        batch.departure_moved[i] = true;
                        batch.changed(i, json!({"departs_at": {"from": from, "to": to}}));
                    }
                    let to = rows::whole_seconds(added.arrives_at.max(batch.trips[i].departs_at));
                    batch.feed_arrivals.push((i, to));
                    set_arrival(&mut batch, i, to, &mut report);
                }
                (LiveEffect::Added(added), None) => {
                    let date = update.trip.service_date.unwrap_or_else(|| {
                        added
                            .departs_at
                            .with_timezone(&options.timezone)
                            .date_naive()
                    });
                    if added.arrives_at <= added.departs_at {
                        report.unmatched(
                            format!("{} (added trip ends before it starts)", update.trip),
                            options.unmatched_shown,
                        );
                        continue;
                    }
                    let trip = Trip {
                        id: TripId::new(0),
                        service_date: date,
                        line: added.line.clone(),
                        train_number: added.train_number.clone(),
                        origin: added.origin.clone(),
                        destination: added.destination.clone(),
                        departs_at: rows::whole_seconds(added.departs_at),
                        arrives_at: rows::whole_seconds(added.arrives_at),
                        scheduled_arrives_at: rows::whole_seconds(added.arrives_at),
                        seats: options.seats,
                        cars: None,
                        collections: None,
                        state: TripState::Scheduled,
                        timezone: options.timezone,
                        source: Some(ExternalKey {
                            feed_trip_id: update.trip.trip_id.clone(),
                            service_date: date,
                        }),
                        operator: Some(operator.to_owned()),
                        block_id: None,
                    };
                    report.applied += 1;
                    report.added += 1;
                    let i = batch.push(trip);
                    batch.created.push(i);
                }
                (
                    LiveEffect::Duplicated {
                        trip_id,
                        service_date,
                        start_seconds,
                    },
                    Some(i),
                ) => {
                    report.applied += 1;
                    if !span.contains(*service_date)
                        || batch.by_key.contains_key(&(trip_id.clone(), *service_date))
                    {
                        continue;
                    }
                    let original = &batch.trips[i];
                    let Some(departs_at) = local(original.timezone, *service_date, *start_seconds)
                    else {
                        continue;
                    };
                    let shift = departs_at - original.departs_at;
                    let copy = Trip {
                        id: TripId::new(0),
                        service_date: *service_date,
                        departs_at,
                        arrives_at: original.scheduled_arrives_at + shift,
                        scheduled_arrives_at: original.scheduled_arrives_at + shift,
                        state: TripState::Scheduled,
                        source: Some(ExternalKey {
                            feed_trip_id: trip_id.clone(),
                            service_date: *service_date,
                        }),
                        // Another run: not the original's vehicle block.
                        block_id: None,
                        ..original.clone()
                    };
                    report.added += 1;
                    let i = batch.push(copy);
                    batch.created.push(i);
                }
                (_, None) => report.unmatched(update.trip.to_string(), options.unmatched_shown),
            }
        }
        let mut live = LiveWrite {
            applied: report,
            found: Vec::new(),
            stored: Vec::new(),
        };
        if !batch.created.is_empty() {
            let first = allocate_ids(write.tx(), batch.created.len()).await?.get();
            for (n, &i) in batch.created.iter().enumerate() {
                batch.trips[i].id = TripId::new(first + n as u32);
                let trip = &batch.trips[i];
                let detail = json!({"created": {"departs_at": trip.departs_at, "arrives_at": trip.arrives_at}});
                batch.changes.push(Change {
                    trip: trip.id,
                    detail,
                });
            }
        }
        live.found = refs
            .iter()
            .map(|r| {
                let current = r.service_date.is_none_or(|d| span.contains(d));
                current
                    .then(|| batch.find(r, now))
                    .flatten()
                    .map(|i| batch.trips[i].id)
            })
            .collect();
        if batch.changed.is_empty() && batch.created.is_empty() {
            return Ok(live);
        }
        let revision = write.also_bump(Domain::Trips).await?;
        let written: Vec<&Trip> = batch
            .changed
            .iter()
            .chain(&batch.created)
            .map(|&i| &batch.trips[i])
            .collect();
        // Trips that were there change only in their times and state; most
        // only in their arrival or state.
        let (departing, arriving): (Vec<usize>, Vec<usize>) = batch
            .changed
            .iter()
            .partition(|&&i| batch.departure_moved[i]);
        let departing: Vec<&Trip> = departing.iter().map(|&i| &batch.trips[i]).collect();
        let arriving: Vec<&Trip> = arriving.iter().map(|&i| &batch.trips[i]).collect();
        rows::update_live(write.tx(), &departing, revision, rows::LiveColumns::All).await?;
        rows::update_live(
            write.tx(),
            &arriving,
            revision,
            rows::LiveColumns::ArrivalAndState,
        )
        .await?;
        rows::upsert(write.tx(), &written[batch.changed.len()..], revision).await?;
        history::record(
            write.tx(),
            revision,
            operator,
            Source::Realtime,
            &batch.changes,
        )
        .await?;
        let arrivals: Vec<(TripId, DateTime<Utc>)> = batch
            .feed_arrivals
            .iter()
            .filter(|&&(i, _)| batch.dirty[i])
            .map(|&(i, at)| (batch.trips[i].id, at))
            .collect();
        remember_arrivals(write.tx(), operator, &arrivals).await?;
        live.stored = written
            .into_iter()
            .map(|trip| Stored {
                trip: trip.clone(),
                revision,
            })
            .collect();
        Ok(live)
    }

    /// Puts the trips of a committed [`TripStore::apply_live_in`] in this
    /// process's index; answers what the feed did.
    pub async fn published(&self, live: LiveWrite) -> LiveApplied {
        // In slices: the index's write lock stops passengers' lookups.
        let mut stored = live.stored.into_iter().peekable();
        while stored.peek().is_some() {
            let slice: Vec<Stored> = stored.by_ref().take(YIELD_EVERY).collect();
            if stored.peek().is_some() {
                self.write_index().put(slice);
                tokio::task::yield_now().await;
            } else {
                // The last slice: the index counts the write as seen once whole.
                self.committed(slice);
            }
        }
        live.applied
    }

    /// [`load`] from the index, which holds every trip of the span as
    /// committed ([`TripStore::caught_up`]): no query for ten thousand names.
    fn held(&self, operator: &str, names: &[&str], first: NaiveDate, last: NaiveDate) -> Batch {
        let wanted: HashSet<&str> = names.iter().copied().collect();
        let mut batch = Batch::with_capacity(names.len());
        let index = self.read();
        for date in first.iter_days().take_while(|d| *d <= last) {
            for trip in index.day(date) {
                let named = trip
                    .source
                    .as_ref()
                    .is_some_and(|k| wanted.contains(k.feed_trip_id.as_str()));
                if named && trip.belongs_to(operator) {
                    batch.push(Trip::clone(trip));
                }
            }
        }
        batch
    }

    /// Puts back the scheduled arrival of every trip whose arrival `operator`'s
    /// feed set and nobody changed since (the feed went stale); answers the
    /// trips changed. Sessions keep the expiry they have.
    pub async fn fall_back_to_schedule(&self, operator: &str) -> Result<Vec<Trip>, TripError> {
        let mut write = self.db.write(Domain::Trips).await?;
        let set: HashMap<i64, i64> =
            sqlx::query("SELECT trip_id, feed_arrives_at FROM realtime_trips WHERE operator = $1")
                .bind(operator.to_owned())
                .fetch_all(&mut *write.tx())
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        if set.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM trips WHERE id IN \
             (SELECT trip_id FROM realtime_trips WHERE operator = $1)"
        ))
        .bind(operator.to_owned())
        .fetch_all(&mut *write.tx())
        .await?;
        let mut back = Vec::new();
        let mut changes = Vec::new();
        for row in &rows {
            let mut trip = rows::trip(row)?.trip;
            let by_feed = set.get(&i64::from(trip.id.get())) == Some(&trip.arrives_at.timestamp());
            if by_feed && !trip.is_cancelled() && trip.arrives_at != trip.scheduled_arrives_at {
                let from = std::mem::replace(&mut trip.arrives_at, trip.scheduled_arrives_at);
                changes.push(Change {
                    trip: trip.id,
                    detail: json!({"arrives_at": {"from": from, "to": trip.arrives_at},
                                   "reason": "feed-stale"}),
                });
                back.push(trip);
            }
        }
        sqlx::query("DELETE FROM realtime_trips WHERE operator = $1")
            .bind(operator.to_owned())
            .execute(&mut *write.tx())
            .await?;
        let revision = write.generation();
        let written: Vec<&Trip> = back.iter().collect();
        rows::upsert(write.tx(), &written, revision).await?;
        history::record(write.tx(), revision, operator, Source::Realtime, &changes).await?;
        write.commit().await?;
        self.committed(back.iter().map(|trip| Stored {
            trip: trip.clone(),
            revision,
        }));
        Ok(back)
    }
}

/// Moves trip `i`'s arrival to `to` when it differs, noting a later one.
fn set_arrival(batch: &mut Batch, i: usize, to: DateTime<Utc>, report: &mut LiveApplied) {
    let from = batch.trips[i].arrives_at;
    if from == to {
        return;
    }
    batch.trips[i].arrives_at = to;
    batch.changed(i, json!({"arrives_at": {"from": from, "to": to}}));
    if to > from {
        report.later.push(batch.trips[i].clone());
    }
}

/// The service dates a feed's updates and trip references may name, within the span: their
/// `start_date`s, and the days around now for the undated ones.
fn dates(
    updates: &[LiveUpdate],
    refs: &[FeedTripRef],
    first: NaiveDate,
    last: NaiveDate,
    now: DateTime<Utc>,
) -> (NaiveDate, NaiveDate) {
    let today = now.date_naive();
    let mut range: Option<(NaiveDate, NaiveDate)> = None;
    let mut widen = |date: NaiveDate| {
        let date = date.clamp(first, last);
        range = Some(range.map_or((date, date), |(a, b)| (a.min(date), b.max(date))));
    };
    for update in updates {
        if let LiveEffect::Duplicated { service_date, .. } = update.effect {
            widen(service_date);
        }
    }
    for trip in updates.iter().map(|u| &u.trip).chain(refs) {
        match trip.service_date {
            Some(date) => widen(date),
            None => {
                widen(today - chrono::Duration::days(1));
                widen(today + chrono::Duration::days(1));
            }
        }
    }
    range.unwrap_or((today, today))
}

/// `operator`'s imported trips of `first..=last` with one of these feed ids:
/// by the feed-key index, a few statements for a national feed's ten
/// thousand names (the days around now hold five times as many trips).
async fn load(
    conn: &mut AnyConnection,
    operator: &str,
    names: &[&str],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Batch, TripError> {
    let mut batch = Batch::with_capacity(names.len());
    for chunk in names.chunks(rows_per_statement(1) - 3) {
        let mut params = Params::on(conn);
        let sql = format!(
            "SELECT {COLUMNS} FROM trips WHERE operator = {} AND service_date >= {} \
             AND service_date <= {} AND feed_trip_id IN ({})",
            params.one(),
            params.one(),
            params.one(),
            params.list(chunk.len())
        );
        let mut query = sqlx::query(&sql)
            .persistent(false)
            .bind(operator.to_owned())
            .bind(first.to_string())
            .bind(last.to_string());
        for name in chunk {
            query = query.bind((*name).to_owned());
        }
        for row in query.fetch_all(&mut *conn).await? {
            batch.push(rows::trip(&row)?.trip);
        }
    }
    Ok(batch)
}

/// Records the arrivals the feed set (replacing earlier ones).
async fn remember_arrivals(
    conn: &mut AnyConnection,
    operator: &str,
    arrivals: &[(TripId, DateTime<Utc>)],
) -> Result<(), TripError> {
    for chunk in arrivals.chunks(rows_per_statement(3)) {
        let mut params = Params::on(conn);
        let sql = format!(
            "INSERT INTO realtime_trips (trip_id, operator, feed_arrives_at) VALUES {} \
             ON CONFLICT (trip_id) DO UPDATE SET feed_arrives_at = excluded.feed_arrives_at",
            params.rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for (trip, at) in chunk {
            query = query
                .bind(i64::from(trip.get()))
                .bind(operator.to_owned())
                .bind(at.timestamp());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `seconds` after the start of `date` in `zone` (GTFS times pass 24:00 for
/// trips running after midnight), as an instant.
fn local(zone: Tz, date: NaiveDate, seconds: u32) -> Option<DateTime<Utc>> {
    let midnight = zone
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()?;
    Some(midnight.with_timezone(&Utc) + chrono::Duration::seconds(i64::from(seconds)))
}
