//! Parsing of trip requests into valid drafts (`POST /trips`, `PATCH /trips/{id}`).
//!
//! Fields arrive loosely typed so that every refusal names its field with
//! the code `trip-invalid`, instead of a generic JSON error.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use super::error::TripError;
use super::model::{ExternalKey, Seats, Trip, TripId, TripState};

/// Longest accepted line, train number, stop or collection name, in characters.
const MAX_TEXT: usize = 200;
/// Most cars or collections on one trip.
const MAX_NAMES: usize = 64;
/// Longest car name: car names are printed on labels and carried in tokens.
const MAX_CAR_NAME: usize = 8;

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
}

impl NewTripRequest {
    /// Checks every field; `default_tz` applies when the request names none.
    pub fn parse(self, default_tz: Tz) -> Result<TripDraft, TripError> {
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

    /// The stored trip this draft becomes under `id`.
    pub fn into_trip(self, id: TripId) -> Trip {
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
        }
    }
}

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

/// Parses an IANA time zone name.
pub fn parse_timezone(name: &str) -> Result<Tz, TripError> {
    name.trim().parse().map_err(|_| {
        TripError::invalid(
            "timezone",
            format!("{name:?} is not an IANA time zone such as Europe/Paris"),
        )
    })
}

/// Checks a free-text field: trimmed, not empty, no control characters, bounded.
pub fn text(field: &'static str, value: String) -> Result<String, TripError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(TripError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(TripError::invalid(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(TripError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

fn required<T>(field: &'static str, value: Option<T>) -> Result<T, TripError> {
    value.ok_or_else(|| TripError::invalid(field, "is required"))
}

fn instant(field: &'static str, value: String) -> Result<DateTime<Utc>, TripError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            TripError::invalid(
                field,
                format!("{value:?} is not an RFC 3339 instant like 2026-11-28T11:29:00+01:00"),
            )
        })
}

fn cars(names: Vec<String>) -> Result<Vec<String>, TripError> {
    let names = names_list("cars", names)?;
    if let Some(long) = names.iter().find(|n| n.chars().count() > MAX_CAR_NAME) {
        return Err(TripError::invalid(
            "cars",
            format!("car name {long:?} is longer than {MAX_CAR_NAME} characters"),
        ));
    }
    if let Some(odd) = names
        .iter()
        .find(|n| !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(TripError::invalid(
            "cars",
            format!("car name {odd:?} may only hold letters, digits and '-'"),
        ));
    }
    Ok(names)
}

fn collections(names: Vec<String>) -> Result<Vec<String>, TripError> {
    names_list("collections", names)
}

fn names_list(field: &'static str, names: Vec<String>) -> Result<Vec<String>, TripError> {
    if names.len() > MAX_NAMES {
        return Err(TripError::invalid(
            field,
            format!("at most {MAX_NAMES} entries"),
        ));
    }
    let names = names
        .into_iter()
        .map(|n| text(field, n))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(TripError::invalid(
                field,
                format!("{name:?} is listed twice"),
            ));
        }
    }
    Ok(names)
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
