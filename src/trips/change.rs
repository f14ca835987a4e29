//! `PATCH /api/v1/operator/trips/{id}`: a new arrival and/or collections.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::error::TripError;
use super::fields::{collections, instant};

/// The body of `PATCH /api/v1/operator/trips/{id}`, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct TripChangeRequest {
    /// New expected arrival, RFC 3339.
    pub arrives_at: Option<String>,
    /// Absent: unchanged; `null`: back to every live title; a list: those collections.
    #[serde(default, deserialize_with = "present")]
    pub collections: Option<Option<Vec<String>>>,
}

/// A valid change of a trip.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TripChange {
    /// New expected arrival.
    pub arrives_at: Option<DateTime<Utc>>,
    /// New collections (`Some(None)`: every live title).
    pub collections: Option<Option<Vec<String>>>,
}

impl TripChangeRequest {
    /// Checks the fields of a change.
    pub fn parse(self) -> Result<TripChange, TripError> {
        let arrives_at = self
            .arrives_at
            .map(|a| instant("arrives_at", a))
            .transpose()?;
        let collections = match self.collections {
            Some(Some(names)) => Some(Some(collections(names)?)),
            other => other,
        };
        if arrives_at.is_none() && collections.is_none() {
            return Err(TripError::invalid(
                "arrives_at",
                "nothing to change: send arrives_at and/or collections",
            ));
        }
        Ok(TripChange {
            arrives_at,
            collections,
        })
    }
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
