//! Idempotent import: a feed trip updates the trip it created before.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::txn::Txn;
use crate::trips::error::TripError;
use crate::trips::model::{ExternalKey, Trip};
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

/// Applies the drafts of one service date to that day. Only trips of
/// `operator` are matched: another operator importing the same feed gets
/// trips of its own and leaves these alone.
pub(super) fn upsert_day(
    txn: &mut Txn,
    operator: &str,
    date: NaiveDate,
    drafts: Vec<TripDraft>,
    counts: &mut ImportCounts,
) -> Result<(), TripError> {
    let mut trips = txn.day_copy(date);
    let mut by_key: HashMap<ExternalKey, usize> = trips
        .iter()
        .enumerate()
        .filter(|(_, t)| t.belongs_to(operator))
        .filter_map(|(i, t)| t.source.clone().map(|k| (k, i)))
        .collect();
    let mut changed = false;
    for draft in drafts {
        let key = draft
            .source
            .clone()
            .ok_or_else(|| TripError::invalid("source", "missing feed key"))?;
        match by_key.get(&key) {
            Some(&i) => match merged(&trips[i], draft) {
                Some(trip) => {
                    trips[i] = trip;
                    counts.updated += 1;
                    changed = true;
                }
                None => counts.unchanged += 1,
            },
            None => {
                let trip = txn.new_trip(operator, draft)?;
                by_key.insert(key, trips.len());
                trips.push(trip);
                counts.created += 1;
                changed = true;
            }
        }
    }
    if changed {
        *txn.day_mut(date) = trips;
    }
    Ok(())
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
        ..stored.clone()
    };
    (trip != *stored).then_some(trip)
}
