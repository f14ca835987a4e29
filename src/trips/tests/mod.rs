//! Tests of the trip domain without HTTP.

mod corpus;
mod gtfs_feeds;
mod live;
mod request;
mod store;

use chrono::{DateTime, Utc};

use super::request::{NewTripRequest, TripDraft};

/// The operator account that owns the trips of these tests.
const OPERATOR: &str = "op-test";

/// A valid request: TER 17423 Clermont-Ferrand → Lyon.
fn request() -> NewTripRequest {
    NewTripRequest {
        line: Some("TER Auvergne-Rhône-Alpes".into()),
        train_number: Some("17423".into()),
        origin: Some("Clermont-Ferrand".into()),
        destination: Some("Lyon Part-Dieu".into()),
        departs_at: Some("2026-11-28T11:29:00+01:00".into()),
        arrives_at: Some("2026-11-28T12:41:00+01:00".into()),
        seats: Some(80),
        ..NewTripRequest::default()
    }
}

/// The draft of [`request`].
pub(crate) fn draft() -> TripDraft {
    request().parse(chrono_tz::Europe::Paris).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}
