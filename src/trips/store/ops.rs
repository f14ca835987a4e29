//! The changes an operator makes to trips, each one write transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use super::TripStore;
use super::history::{self, Actor, Change};
use super::rows::{self, COLUMNS, Stored};
use crate::db::Domain;
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

/// The changes below take a trip id and the account making the change: the
/// operator routes look the trip up with [`TripStore::trip_of`] first, and
/// since a trip's owner never changes, that check still holds at commit.
impl TripStore {
    /// Stores a new trip of `operator` under a fresh id.
    pub async fn create<'a>(
        &self,
        by: impl Into<Actor<'a>>,
        draft: TripDraft,
    ) -> Result<Trip, TripError> {
        let by = by.into();
        let operator = by.account;
        let mut write = self.db.write(Domain::Trips).await?;
        let id = allocate_ids(write.tx(), 1).await?;
        let trip = rows::in_whole_seconds(draft).into_trip(id, operator);
        let revision = write.generation();
        rows::upsert(write.tx(), &[&trip], revision).await?;
        let created = Change {
            trip: id,
            detail: json!({"created": {"departs_at": trip.departs_at, "arrives_at": trip.arrives_at}}),
        };
        history::record(write.tx(), revision, operator, by.source, &[created]).await?;
        write.commit().await?;
        self.committed([Stored {
            trip: trip.clone(),
            revision,
        }]);
        Ok(trip)
    }

    /// Records a new expected arrival (a late train, or a correction).
    pub async fn update_arrival<'a>(
        &self,
        id: TripId,
        arrives_at: DateTime<Utc>,
        by: impl Into<Actor<'a>>,
    ) -> Result<ArrivalChange, TripError> {
        let arrives_at = rows::whole_seconds(arrives_at);
        self.change(id, by, |trip| {
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
            let detail = json!({"arrives_at": {"from": previous_arrival, "to": arrives_at}});
            let change = ArrivalChange {
                trip: trip.clone(),
                previous_arrival,
                extends_window: arrives_at > previous_arrival,
            };
            Ok((change, detail))
        })
        .await
    }

    /// Sets the collections offered on a trip (`None`: every live title).
    pub async fn set_collections<'a>(
        &self,
        id: TripId,
        collections: Option<Vec<String>>,
        by: impl Into<Actor<'a>>,
    ) -> Result<Trip, TripError> {
        self.change(id, by, |trip| {
            let detail = json!({"collections": {"from": trip.collections, "to": collections}});
            trip.collections = collections;
            Ok((trip.clone(), detail))
        })
        .await
    }

    /// Cancels a trip; cancelling it again changes nothing and answers the trip.
    pub async fn cancel<'a>(
        &self,
        id: TripId,
        by: impl Into<Actor<'a>>,
    ) -> Result<Trip, TripError> {
        self.change(id, by, |trip| {
            trip.state = TripState::Cancelled;
            Ok((trip.clone(), json!({"state": "cancelled"})))
        })
        .await
    }

    /// Changes one trip and records it in its history; nothing is written
    /// when `change` refuses or leaves the trip as it was.
    async fn change<'a, T>(
        &self,
        id: TripId,
        by: impl Into<Actor<'a>>,
        change: impl FnOnce(&mut Trip) -> Result<(T, serde_json::Value), TripError>,
    ) -> Result<T, TripError> {
        let by = by.into();
        // The write holds the trips' change row: no other writer can change
        // this trip between the read and the update.
        let mut write = self.db.write(Domain::Trips).await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM trips WHERE id = $1"))
            .bind(i64::from(id.get()))
            .fetch_optional(&mut *write.tx())
            .await?
            .ok_or(TripError::NotFound(id))?;
        let mut trip = rows::trip(&row)?.trip;
        let before = trip.clone();
        let (answer, detail) = change(&mut trip)?;
        if trip == before {
            return Ok(answer); // dropping the write rolls it back
        }
        let revision = write.generation();
        rows::upsert(write.tx(), &[&trip], revision).await?;
        let change = Change { trip: id, detail };
        history::record(write.tx(), revision, by.account, by.source, &[change]).await?;
        write.commit().await?;
        self.committed([Stored { trip, revision }]);
        Ok(answer)
    }
}

/// Hands out `count` fresh ids from the counter row, in the write's
/// transaction (rolled back with it), and answers the first.
pub(super) async fn allocate_ids(
    conn: &mut AnyConnection,
    count: usize,
) -> Result<TripId, TripError> {
    let count = i64::try_from(count).map_err(|_| TripError::IdsExhausted)?;
    let next: i64 =
        sqlx::query_scalar("UPDATE trip_ids SET next_id = next_id + $1 RETURNING next_id")
            .bind(count)
            .fetch_one(&mut *conn)
            .await?;
    if next - 1 > i64::from(u32::MAX) {
        return Err(TripError::IdsExhausted);
    }
    let first = u32::try_from(next - count).map_err(|_| TripError::IdsExhausted)?;
    Ok(TripId::new(first))
}
