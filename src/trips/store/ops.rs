//! The changes an operator makes to trips.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::TripStore;
use super::upsert::{ImportCounts, upsert_day};
use crate::trips::error::TripError;
use crate::trips::model::{Trip, TripId, TripState};
use crate::trips::request::TripDraft;

/// What a new arrival did to a trip.
#[derive(Debug, Clone, Serialize)]
pub struct ArrivalChange {
    /// The trip as stored now, with the new arrival.
    pub trip: Trip,
    /// The arrival before the change.
    pub previous_arrival: DateTime<Utc>,
    /// Whether the window end moved later: only then do sessions get a later
    /// expiry (an earlier arrival never shortens a session).
    pub extends_window: bool,
}

/// The changes below take a trip id alone: the operator routes look the trip
/// up with [`TripStore::trip_of`] first, and since a trip's owner never
/// changes, that check still holds when the change commits.
impl TripStore {
    /// Stores a new trip of `operator` under a fresh id.
    pub fn create(&self, operator: &str, draft: TripDraft) -> Result<Trip, TripError> {
        let date = draft.service_date;
        self.transact(|_| Ok(vec![date]), |txn| txn.insert(operator, draft))
    }

    /// Records a new expected arrival (a late train, or a correction).
    pub fn update_arrival(
        &self,
        id: TripId,
        arrives_at: DateTime<Utc>,
    ) -> Result<ArrivalChange, TripError> {
        self.change(id, |trip| {
            if trip.is_cancelled() {
                return Err(TripError::Cancelled(id));
            }
            if arrives_at <= trip.departs_at {
                let departs = trip.departs_at.to_rfc3339();
                return Err(TripError::invalid(
                    "arrives_at",
                    format!("arrival is not after the departure {departs}"),
                ));
            }
            let previous_arrival = std::mem::replace(&mut trip.arrives_at, arrives_at);
            Ok(ArrivalChange {
                trip: trip.clone(),
                previous_arrival,
                extends_window: arrives_at > previous_arrival,
            })
        })
    }

    /// Sets the collections offered on a trip (`None`: every live title).
    pub fn set_collections(
        &self,
        id: TripId,
        collections: Option<Vec<String>>,
    ) -> Result<Trip, TripError> {
        self.change(id, |trip| {
            trip.collections = collections;
            Ok(trip.clone())
        })
    }

    /// Cancels a trip; cancelling it again changes nothing and answers the trip.
    pub fn cancel(&self, id: TripId) -> Result<Trip, TripError> {
        self.change(id, |trip| {
            trip.state = TripState::Cancelled;
            Ok(trip.clone())
        })
    }

    /// Creates or updates `operator`'s imported trips by their feed key, all
    /// in one commit: importing the same feed twice leaves the same trips.
    pub fn import_batch(
        &self,
        operator: &str,
        drafts: Vec<TripDraft>,
    ) -> Result<ImportCounts, TripError> {
        if drafts.iter().any(|d| d.source.is_none()) {
            return Err(TripError::invalid(
                "source",
                "an imported trip needs its feed trip_id and service date",
            ));
        }
        let mut dates: Vec<_> = drafts.iter().map(|d| d.service_date).collect();
        dates.sort_unstable();
        dates.dedup();
        self.transact(
            |_| Ok(dates.clone()),
            |txn| {
                let mut counts = ImportCounts::default();
                let mut drafts = drafts;
                drafts.sort_by_key(|d| d.service_date);
                for date in &dates {
                    let split = drafts.partition_point(|d| d.service_date <= *date);
                    let of_day: Vec<_> = drafts.drain(..split).collect();
                    upsert_day(txn, operator, *date, of_day, &mut counts)?;
                }
                Ok(counts)
            },
        )
    }

    /// Changes one trip; nothing is written when `change` refuses.
    fn change<T>(
        &self,
        id: TripId,
        change: impl FnOnce(&mut Trip) -> Result<T, TripError>,
    ) -> Result<T, TripError> {
        self.transact(
            |index| Ok(vec![index.date_of(id).ok_or(TripError::NotFound(id))?]),
            |txn| {
                let date = txn.first_date().ok_or(TripError::NotFound(id))?;
                let mut trips = txn.day_copy(date);
                let trip = trips
                    .iter_mut()
                    .find(|t| t.id == id)
                    .ok_or(TripError::NotFound(id))?;
                let before = trip.clone();
                let answer = change(trip)?;
                if *trip != before {
                    *txn.day_mut(date) = trips;
                }
                Ok(answer)
            },
        )
    }
}
