//! Field checks shared by trip requests and the GTFS import: each refusal
//! names its field with the code `trip-invalid`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::error::TripError;

/// Longest accepted line, train number, stop or collection name, in characters.
const MAX_TEXT: usize = 200;
/// Most cars or collections on one trip.
const MAX_NAMES: usize = 64;
/// Longest car name: car names are printed on labels and carried in tokens.
const MAX_CAR_NAME: usize = 8;
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

pub(super) fn required<T>(field: &'static str, value: Option<T>) -> Result<T, TripError> {
    value.ok_or_else(|| TripError::invalid(field, "is required"))
}

pub(super) fn instant(field: &'static str, value: String) -> Result<DateTime<Utc>, TripError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            TripError::invalid(
                field,
                format!("{value:?} is not an RFC 3339 instant like 2026-11-28T11:29:00+01:00"),
            )
        })
}

pub(super) fn cars(names: Vec<String>) -> Result<Vec<String>, TripError> {
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

pub(super) fn collections(names: Vec<String>) -> Result<Vec<String>, TripError> {
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
