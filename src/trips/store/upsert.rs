//! Idempotent import: a feed trip updates the trip it created before, and a
//! whole import is one transaction (a crash leaves the old trips or the new
//! ones, never half).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

use super::TripStore;
use super::history::{self, Change, Source};
use super::ops::allocate_ids;
use super::rows::{self, COLUMNS, Stored};
use crate::db::Domain;
use crate::trips::error::TripError;
use crate::trips::model::{ExternalKey, Trip, TripId};
use crate::trips::request::TripDraft;

/// How an import batch changed the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Feed trips seen for the first time.
    pub created: usize,
    /// Feed trips whose schedule or names changed since the last import.
    pub updated: usize,
    /// Feed trips already stored exactly so.
    pub unchanged: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Stored,
    Updated,
    Created,
}

impl TripStore {
    /// Creates or updates `operator`'s imported trips by their feed key, all
    /// in one transaction: importing the same feed twice leaves the same
    /// trips. Only trips of `operator` are matched: another operator
    /// importing the same feed gets trips of its own.
    pub async fn import_batch(
        &self,
        operator: &str,
        drafts: Vec<TripDraft>,
    ) -> Result<ImportCounts, TripError> {
        if drafts.iter().any(|d| {
            d.source
                .as_ref()
                .is_none_or(|k| k.service_date != d.service_date)
        }) {
            return Err(TripError::invalid(
                "source",
                "an imported trip needs its feed trip_id and service date",
            ));
        }
        let (Some(first), Some(last)) = (
            drafts.iter().map(|d| d.service_date).min(),
            drafts.iter().map(|d| d.service_date).max(),
        ) else {
            return Ok(ImportCounts::default());
        };
        let mut write = self.db.write(Domain::Trips).await?;
        let stored = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM trips WHERE operator = $1 AND service_date >= $2 \
             AND service_date <= $3 AND feed_trip_id IS NOT NULL"
        ))
        .bind(operator.to_owned())
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(&mut *write.tx())
        .await?;
        let mut by_key: HashMap<ExternalKey, (Trip, Fate)> = HashMap::with_capacity(drafts.len());
        for row in &stored {
            let trip = rows::trip(row)?.trip;
            if let Some(key) = trip.source.clone() {
                by_key.insert(key, (trip, Fate::Stored));
            }
        }
        drop(stored);
        let mut counts = ImportCounts::default();
        // Keys of new trips in feed order: their ids are handed out in it.
        let mut created = Vec::new();
        for draft in drafts {
            let draft = rows::in_whole_seconds(draft);
            let key = draft.source.clone().expect("checked above");
            match by_key.get_mut(&key) {
                Some((trip, fate)) => match merged(trip, draft) {
                    Some(new) => {
                        *trip = new;
                        if *fate == Fate::Stored {
                            *fate = Fate::Updated;
                        }
                        counts.updated += 1;
                    }
                    None => counts.unchanged += 1,
                },
                None => {
                    // The id is set below, once the count of new trips is known.
                    let trip = draft.into_trip(TripId::new(0), operator);
                    by_key.insert(key.clone(), (trip, Fate::Created));
                    created.push(key);
                    counts.created += 1;
                }
            }
        }
        if !created.is_empty() {
            let first_id = allocate_ids(write.tx(), created.len()).await?.get();
            for (n, key) in created.iter().enumerate() {
                let (trip, _) = by_key.get_mut(key).expect("inserted above");
                trip.id = TripId::new(first_id + n as u32);
            }
        }
        let changed: Vec<(&Trip, Fate)> = by_key
            .values()
            .filter(|(_, fate)| *fate != Fate::Stored)
            .map(|(trip, fate)| (trip, *fate))
            .collect();
        if changed.is_empty() {
            return Ok(counts); // nothing to write: the write rolls back
        }
        let revision = write.generation();
        let trips: Vec<&Trip> = changed.iter().map(|(t, _)| *t).collect();
        rows::upsert(write.tx(), &trips, revision).await?;
        let changes: Vec<Change> = changed
            .iter()
            .map(|(trip, fate)| Change {
                trip: trip.id,
                detail: match fate {
                    Fate::Created => json!({"created": {
                        "departs_at": trip.departs_at, "arrives_at": trip.arrives_at}}),
                    _ => json!({"schedule": {
                        "departs_at": trip.departs_at,
                        "arrives_at": trip.arrives_at,
                        "scheduled_arrives_at": trip.scheduled_arrives_at}}),
                },
            })
            .collect();
        history::record(write.tx(), revision, operator, Source::Import, &changes).await?;
        write.commit().await?;
        let span = self.read().span;
        let current: Vec<Stored> = changed
            .into_iter()
            .filter(|(trip, _)| span.contains(trip.service_date))
            .map(|(trip, _)| Stored {
                trip: trip.clone(),
                revision,
            })
            .collect();
        self.committed(current);
        Ok(counts)
    }
}

/// The stored trip updated with the feed's values, or `None` when nothing
/// changed. What the operator set (state, collections, cars, a later
/// arrival) stays.
fn merged(stored: &Trip, draft: TripDraft) -> Option<Trip> {
    let extended = stored.arrives_at != stored.scheduled_arrives_at;
    let arrives_at = if extended {
        stored.arrives_at.max(draft.arrives_at)
    } else {
        draft.arrives_at
    };
    let trip = Trip {
        line: draft.line,
        train_number: draft.train_number,
        origin: draft.origin,
        destination: draft.destination,
        departs_at: draft.departs_at,
        arrives_at,
        scheduled_arrives_at: draft.arrives_at,
        seats: draft.seats,
        cars: draft.cars.or_else(|| stored.cars.clone()),
        timezone: draft.timezone,
        block_id: draft.block_id,
        ..stored.clone()
    };
    (trip != *stored).then_some(trip)
}
