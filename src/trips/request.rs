//! Parsing of trip requests into valid drafts (`POST /trips`, `PATCH /trips/{id}`).
//!
//! Fields arrive loosely typed so that every refusal names its field with
//! the code `trip-invalid`, instead of a generic JSON error.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::error::TripError;
use super::fields::{cars, collections, instant, parse_timezone, required, text};
use super::model::{ExternalKey, Seats, Trip, TripId, TripState};

/// The body of `POST /api/v1/operator/trips`, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct NewTripRequest {
    /// Line name (required).
    pub line: Option<String>,
    /// Train number (required).
    pub train_number: Option<String>,
    /// First stop (required).
    pub origin: Option<String>,
    /// Last stop (required).
    pub destination: Option<String>,
    /// Departure, RFC 3339 (required).
    pub departs_at: Option<String>,
    /// Arrival, RFC 3339 (required).
    pub arrives_at: Option<String>,
    /// Seat count, 1 to 2,000 (required).
    pub seats: Option<i64>,
    /// Car names, optional.
    pub cars: Option<Vec<String>>,
    /// Collections offered, optional.
    pub collections: Option<Vec<String>>,
    /// IANA time zone; the configured default when absent.
    pub timezone: Option<String>,
    /// Operating day; the local date of departure when absent.
    pub service_date: Option<String>,
}

/// A valid trip without id or state: what a request or a feed row describes.
#[derive(Debug, Clone, PartialEq)]
pub struct TripDraft {
    /// See [`Trip`].
    pub service_date: NaiveDate,
    /// See [`Trip`].
    pub line: String,
    /// See [`Trip`].
    pub train_number: String,
    /// See [`Trip`].
    pub origin: String,
    /// See [`Trip`].
    pub destination: String,
    /// See [`Trip`].
    pub departs_at: DateTime<Utc>,
    /// Planned arrival.
    pub arrives_at: DateTime<Utc>,
    /// See [`Trip`].
    pub seats: Seats,
    /// See [`Trip`].
    pub cars: Option<Vec<String>>,
    /// Collections offered; `None` offers every live title.
    pub collections: Option<Vec<String>>,
    /// See [`Trip`].
    pub timezone: Tz,
    /// Feed origin of an imported trip.
    pub source: Option<ExternalKey>,
    /// The GTFS block of an imported trip.
    pub block_id: Option<String>,
}

impl NewTripRequest {
    /// Every required field that is missing, named at once, so that a person
    /// filling a form fixes them in one go.
    fn all_required_present(&self) -> Result<(), TripError> {
        let present = [
            ("line", self.line.is_some()),
            ("train_number", self.train_number.is_some()),
            ("origin", self.origin.is_some()),
            ("destination", self.destination.is_some()),
            ("departs_at", self.departs_at.is_some()),
            ("arrives_at", self.arrives_at.is_some()),
            ("seats", self.seats.is_some()),
        ];
        let missing: Vec<&'static str> = present
            .iter()
            .filter(|(_, there)| !there)
            .map(|(field, _)| *field)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(TripError::Missing(missing))
        }
    }

    /// Checks every field; `default_tz` applies when the request names none.
    pub fn parse(self, default_tz: Tz) -> Result<TripDraft, TripError> {
        self.all_required_present()?;
        let timezone = match self.timezone.as_deref() {
            None => default_tz,
            Some(name) => parse_timezone(name)?,
        };
        let departs_at = instant("departs_at", required("departs_at", self.departs_at)?)?;
        let arrives_at = instant("arrives_at", required("arrives_at", self.arrives_at)?)?;
        let seats = required("seats", self.seats)?;
        let seats = u32::try_from(seats)
            .map_err(|_| ())
            .and_then(|s| Seats::new(s).map_err(|_| ()))
            .map_err(|()| {
                TripError::invalid(
                    "seats",
                    format!("must be between 1 and {}, not {seats}", Seats::MAX),
                )
            })?;
        let service_date = match self.service_date {
            Some(date) => NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
                TripError::invalid(
                    "service_date",
                    format!("{date:?} is not a date like 2026-11-28"),
                )
            })?,
            None => departs_at.with_timezone(&timezone).date_naive(),
        };
        TripDraft {
            service_date,
            line: text("line", required("line", self.line)?)?,
            train_number: text("train_number", required("train_number", self.train_number)?)?,
            origin: text("origin", required("origin", self.origin)?)?,
            destination: text("destination", required("destination", self.destination)?)?,
            departs_at,
            arrives_at,
            seats,
            cars: self.cars.map(cars).transpose()?,
            collections: self.collections.map(collections).transpose()?,
            timezone,
            source: None,
            block_id: None,
        }
        .checked()
    }
}

impl TripDraft {
    /// Checks the rules that tie fields together (arrival after departure).
    pub fn checked(self) -> Result<Self, TripError> {
        if self.arrives_at <= self.departs_at {
            return Err(TripError::invalid(
                "arrives_at",
                format!(
                    "arrival {} is not after departure {}",
                    self.arrives_at.to_rfc3339(),
                    self.departs_at.to_rfc3339()
                ),
            ));
        }
        Ok(self)
    }

    /// The stored trip this draft becomes under `id`, owned by `operator`.
    pub fn into_trip(self, id: TripId, operator: &str) -> Trip {
        Trip {
            id,
            service_date: self.service_date,
            line: self.line,
            train_number: self.train_number,
            origin: self.origin,
            destination: self.destination,
            departs_at: self.departs_at,
            arrives_at: self.arrives_at,
            scheduled_arrives_at: self.arrives_at,
            seats: self.seats,
            cars: self.cars,
            collections: self.collections,
            state: TripState::Scheduled,
            timezone: self.timezone,
            source: self.source,
            operator: Some(operator.to_owned()),
            block_id: self.block_id,
        }
    }
}
