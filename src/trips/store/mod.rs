//! Trips in the database, with an in-memory index of the trips around now.
//!
//! The passenger's path (a scan, the session's live arrival) reads only the
//! index: the trips of five service dates around today ([`index::Span`]). It
//! follows the database three ways: this process's writes put their trips
//! in as they commit (the next request sees them); [`TripStore::refresh`],
//! called by the app's reload tick, reads only the rows whose `revision` is
//! newer than the generation the index has seen, when another process (an
//! instance, the CLI import) committed; and when the UTC day rolls over, the
//! day entering the span is loaded and the one leaving it dropped.
//! Everything else (a day of last month on the console, a trip id outside
//! the span) is a query.
//!
//! Readers take a std `RwLock` for a lookup or an `Arc` clone only; no
//! critical section awaits, so a std lock is right.

mod history;
mod index;
mod live;
mod ops;
mod rows;
mod upsert;

use std::sync::RwLock;

use chrono::{NaiveDate, Utc};

use crate::db::{Database, Domain, Generations, Write};
use crate::trips::error::TripError;
use crate::trips::model::{Trip, TripId};
use index::{Index, Span};
use rows::{COLUMNS, Stored};

pub use history::{Actor, Source, TripHistoryEntry, record_change};
pub use index::SharedTrip;
pub use live::{LiveOptions, LiveWrite};
pub use ops::ArrivalChange;
pub use upsert::ImportCounts;

/// The trips of the database, the current ones indexed in memory.
#[derive(Debug)]
pub struct TripStore {
    db: Database,
    index: RwLock<Index>,
    /// One refresh at a time (the reload tick, a day roll-over).
    refreshing: tokio::sync::Mutex<()>,
}

impl TripStore {
    /// Loads the trips of the span around today.
    pub async fn open(db: Database) -> Result<Self, TripError> {
        let seen = db.generations().await?.of(Domain::Trips);
        let span = Span::around(Utc::now().date_naive());
        let mut index = Index::new(span, seen);
        index.put(load_days(&db, span.first, span.last).await?);
        tracing::debug!(trips = index.len(), "trips of the current days loaded");
        Ok(Self {
            db,
            index: RwLock::new(index),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// The trip with this id among the current ones (memory only): for the
    /// passenger routes, where a verified seat code names the trip. `None`
    /// for a trip outside the span, which has no session to open now.
    pub fn shared(&self, id: TripId) -> Option<SharedTrip> {
        self.read().get(id).cloned()
    }

    /// The trip with this id, whoever owns it: from memory when current,
    /// else from the database.
    pub async fn get(&self, id: TripId) -> Result<Option<Trip>, TripError> {
        if let Some(trip) = self.shared(id) {
            return Ok(Some(Trip::clone(&trip)));
        }
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM trips WHERE id = $1"))
            .bind(i64::from(id.get()))
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(|r| rows::trip(&r)).transpose()?.map(|s| s.trip))
    }

    /// `operator`'s trip with this id: `None` when it belongs to someone else.
    pub async fn trip_of(&self, operator: &str, id: TripId) -> Result<Option<Trip>, TripError> {
        Ok(self.get(id).await?.filter(|t| t.belongs_to(operator)))
    }

    /// `operator`'s trips of one service date, by departure.
    pub async fn trips_of(&self, operator: &str, date: NaiveDate) -> Result<Vec<Trip>, TripError> {
        self.day(Some(operator), date).await
    }

    /// Every operator's trips of one service date, by departure.
    pub async fn list(&self, date: NaiveDate) -> Result<Vec<Trip>, TripError> {
        self.day(None, date).await
    }

    /// Follows the database: the rows changed since the generation the index
    /// has seen (when `generations` says the trips moved), and the days
    /// entering the span when the UTC day rolled over. Cheap when nothing
    /// changed: no query. Answers whether the index changed.
    pub async fn refresh(&self, generations: &Generations) -> Result<bool, TripError> {
        let _one = self.refreshing.lock().await;
        let generation = generations.of(Domain::Trips);
        let span = Span::around(Utc::now().date_naive());
        let (held, seen) = {
            let index = self.read();
            (index.span, index.seen)
        };
        let mut changed = false;
        if span != held {
            let entering = self.write_index().move_to(span);
            if let (Some(&first), Some(&last)) = (entering.first(), entering.last()) {
                let loaded = load_days(&self.db, first, last).await?;
                self.write_index().put(loaded);
            }
            changed = true;
        }
        if generation != seen {
            let sql = format!(
                "SELECT {COLUMNS} FROM trips WHERE revision > $1 \
                 AND service_date >= $2 AND service_date <= $3"
            );
            let rows = sqlx::query(&sql)
                .bind(seen)
                .bind(span.first.to_string())
                .bind(span.last.to_string())
                .fetch_all(self.db.pool())
                .await?;
            let stored = rows.iter().map(rows::trip).collect::<Result<Vec<_>, _>>()?;
            let mut index = self.write_index();
            index.put(stored);
            // `generations` was read before the query: every change up to it
            // is in (later ones, perhaps too; reading them again is harmless).
            index.seen = index.seen.max(generation);
            changed = true;
        }
        Ok(changed)
    }

    /// The trips of a day: from memory in the span, else from the database.
    async fn day(&self, operator: Option<&str>, date: NaiveDate) -> Result<Vec<Trip>, TripError> {
        {
            let index = self.read();
            if index.span.contains(date) {
                return Ok(index
                    .day(date)
                    .filter(|t| operator.is_none_or(|o| t.belongs_to(o)))
                    .map(|t| Trip::clone(t))
                    .collect());
            }
        }
        // `$2 IS NULL` lists every operator's trips (the query stays one text).
        let sql = format!(
            "SELECT {COLUMNS} FROM trips WHERE service_date = $1 \
             AND (operator = $2 OR $2 IS NULL) ORDER BY departs_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(date.to_string())
            .bind(operator.map(str::to_owned))
            .fetch_all(self.db.pool())
            .await?;
        rows.iter().map(|r| rows::trip(r).map(|s| s.trip)).collect()
    }

    /// Puts the trips a write of this process committed into the index.
    /// Puts in the trips a write of this process committed (all the trips
    /// of the span it changed, at its generation).
    fn committed(&self, stored: impl IntoIterator<Item = Stored>) {
        let mut index = self.write_index();
        let mut revision = None;
        index.put(
            stored
                .into_iter()
                .inspect(|s| revision = revision.max(Some(s.revision))),
        );
        // When the index held every change before this write, it now holds
        // every change up to it too: the next reader need not ask again.
        if let Some(revision) = revision
            && index.seen == revision - 1
        {
            index.seen = revision;
        }
    }

    /// Makes the index hold every change committed before `write` (a write
    /// of the trips domain, so no other writer can commit meanwhile):
    /// answers whether it does (`false`: read the database instead).
    async fn caught_up(&self, write: &mut Write) -> Result<bool, TripError> {
        let before = write.also_bump(Domain::Trips).await? - 1;
        if self.read().seen >= before {
            return Ok(true);
        }
        // Another process wrote since the last reload tick: read its rows
        // (on the pool: this write's own changes are not committed).
        self.refresh(&self.db.generations().await?).await?;
        Ok(self.read().seen >= before)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        // A panic while holding the lock cannot leave the index half-updated
        // in a way that matters (each trip goes in by a few assignments).
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// The trips whose seat code labels a key that signed until `signed_until`
/// may have signed and that still have sessions to open: created by then,
/// not cancelled, arriving after `arrives_after`. After that key's
/// revocation, their labels must be printed again. By operator, then
/// departure.
pub async fn labelled_until(
    db: &Database,
    signed_until: i64,
    arrives_after: i64,
) -> Result<Vec<Trip>, TripError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM trips WHERE state <> 'cancelled' AND arrives_at > $1 \
         AND EXISTS (SELECT 1 FROM trip_changes c \
                     WHERE c.trip_id = trips.id AND c.changed_at <= $2) \
         ORDER BY operator, departs_at, id"
    ))
    .bind(arrives_after)
    .bind(signed_until)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| rows::trip(r).map(|s| s.trip)).collect()
}

/// Every trip of the service dates `first..=last`.
async fn load_days(
    db: &Database,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Stored>, TripError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM trips WHERE service_date >= $1 AND service_date <= $2"
    ))
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(rows::trip).collect()
}
