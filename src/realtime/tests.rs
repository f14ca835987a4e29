//! The decoding of feeds: what each kind of entity means, and what is refused.

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use prost::Message as _;

use super::builder::FeedBuilder;
use super::decode::{DecodeError, decode, read};
use super::proto;
use crate::trips::live::{FeedTripRef, LiveEffect, Prediction};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

#[test]
fn a_delay_at_the_last_stop_is_a_delay_of_the_arrival() {
    let bytes = FeedBuilder::new(at(10, 0))
        .delay("T1", Some(day()), "LYON", 600)
        .encode();
    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.produced_at, Some(at(10, 0)));
    assert_eq!(decoded.updates.len(), 1);
    assert_eq!(
        decoded.updates[0].trip,
        FeedTripRef {
            trip_id: "T1".into(),
            service_date: Some(day())
        }
    );
    assert_eq!(
        decoded.updates[0].effect,
        LiveEffect::Arrival(Prediction::Delay(600))
    );
    assert_eq!(Prediction::Delay(600).arrival(at(12, 41)), at(12, 51));
}

#[test]
fn an_absolute_time_with_its_schedule_is_a_delay_and_without_it_an_arrival() {
    let mut feed = FeedBuilder::new(at(10, 0));
    feed.arrival("T1", None, "LYON", at(12, 50));
    let mut message = feed.message().clone();
    let decoded = read(&message);
    assert_eq!(
        decoded.updates[0].effect,
        LiveEffect::Arrival(Prediction::At(at(12, 50)))
    );
    let update = message.entity[0].trip_update.as_mut().unwrap();
    update.stop_time_update[0]
        .arrival
        .as_mut()
        .unwrap()
        .scheduled_time = Some(at(12, 41).timestamp());
    let decoded = read(&message);
    assert_eq!(
        decoded.updates[0].effect,
        LiveEffect::Arrival(Prediction::Delay(540))
    );
}

#[test]
fn the_last_stop_with_data_counts_and_skipped_stops_say_nothing() {
    let mut message = FeedBuilder::new(at(10, 0))
        .delay("T1", None, "A", 300)
        .message()
        .clone();
    let update = message.entity[0].trip_update.as_mut().unwrap();
    update
        .stop_time_update
        .push(proto::trip_update::StopTimeUpdate {
            stop_id: Some("B".into()),
            schedule_relationship: Some(1), // SKIPPED
            ..Default::default()
        });
    assert_eq!(
        read(&message).updates[0].effect,
        LiveEffect::Arrival(Prediction::Delay(300))
    );
    // Without stop updates, the trip's own delay.
    let update = message.entity[0].trip_update.as_mut().unwrap();
    update.stop_time_update.clear();
    update.delay = Some(120);
    assert_eq!(
        read(&message).updates[0].effect,
        LiveEffect::Arrival(Prediction::Delay(120))
    );
    // Without any prediction, nothing.
    message.entity[0].trip_update.as_mut().unwrap().delay = None;
    assert!(read(&message).updates.is_empty());
}

#[test]
fn cancelled_and_deleted_trips_are_cancellations() {
    let mut feed = FeedBuilder::new(at(10, 0));
    feed.cancel("T1", Some(day()));
    let mut message = feed.message().clone();
    assert_eq!(read(&message).updates[0].effect, LiveEffect::Cancelled);
    message.entity[0]
        .trip_update
        .as_mut()
        .unwrap()
        .trip
        .schedule_relationship = Some(7);
    assert_eq!(read(&message).updates[0].effect, LiveEffect::Cancelled);
}

#[test]
fn an_added_trip_takes_its_ends_from_its_first_and_last_stops() {
    let bytes = FeedBuilder::new(at(10, 0))
        .added(
            "X9",
            Some(day()),
            "TER-1",
            "CLERMONT",
            at(11, 0),
            "LYON",
            at(12, 30),
        )
        .encode();
    let decoded = decode(&bytes).unwrap();
    let LiveEffect::Added(added) = &decoded.updates[0].effect else {
        panic!("not an added trip: {decoded:?}")
    };
    assert_eq!(
        (added.origin.as_str(), added.destination.as_str()),
        ("CLERMONT", "LYON")
    );
    assert_eq!(
        (added.departs_at, added.arrives_at),
        (at(11, 0), at(12, 30))
    );
    assert_eq!(
        (added.line.as_str(), added.train_number.as_str()),
        ("TER-1", "X9")
    );
}

#[test]
fn a_duplicated_trip_names_its_copy_and_start_past_midnight() {
    let mut message = FeedBuilder::new(at(10, 0))
        .cancel("T1", Some(day()))
        .message()
        .clone();
    let update = message.entity[0].trip_update.as_mut().unwrap();
    update.trip.schedule_relationship = Some(6);
    update.trip_properties = Some(proto::trip_update::TripProperties {
        trip_id: Some("T1-bis".into()),
        start_date: Some("20261206".into()),
        start_time: Some("25:10:00".into()),
        ..Default::default()
    });
    assert_eq!(
        read(&message).updates[0].effect,
        LiveEffect::Duplicated {
            trip_id: "T1-bis".into(),
            service_date: day(),
            start_seconds: 25 * 3600 + 600
        }
    );
}

#[test]
fn vehicles_come_from_positions_and_from_trip_updates() {
    let mut feed = FeedBuilder::new(at(10, 0));
    feed.vehicle("T1", Some(day()), "24571");
    let mut message = feed.delay("T2", None, "LYON", 60).message().clone();
    message.entity[1].trip_update.as_mut().unwrap().vehicle = Some(proto::VehicleDescriptor {
        label: Some("24533".into()),
        ..Default::default()
    });
    let decoded = read(&message);
    let seen: Vec<(&str, &str)> = decoded
        .vehicles
        .iter()
        .map(|v| (v.trip.trip_id.as_str(), v.vehicle.as_str()))
        .collect();
    assert_eq!(seen, [("T1", "24571"), ("T2", "24533")]);
}

#[test]
fn entities_without_a_usable_trip_are_named_not_fatal() {
    let mut message = FeedBuilder::new(at(10, 0))
        .delay("T1", Some(day()), "LYON", 60)
        .delay("T2", None, "LYON", 60)
        .message()
        .clone();
    message.entity[0]
        .trip_update
        .as_mut()
        .unwrap()
        .trip
        .start_date = Some("2026-12-06".into());
    message.entity[1].trip_update.as_mut().unwrap().trip.trip_id = None;
    let decoded = read(&message);
    assert!(decoded.updates.is_empty());
    assert_eq!(decoded.unusable.len(), 2, "{:?}", decoded.unusable);
    assert!(decoded.unusable[0].contains("not YYYYMMDD"));
    assert!(decoded.unusable[1].contains("no trip_id"));
}

#[test]
fn garbage_truncated_and_headerless_bodies_are_refused_whole() {
    let garbage = b"<html><body>502 Bad Gateway</body></html>";
    assert!(matches!(decode(garbage), Err(DecodeError::Protobuf(_))));
    let bytes = FeedBuilder::new(at(10, 0))
        .delay("T1", Some(day()), "LYON", 600)
        .encode();
    assert!(matches!(
        decode(&bytes[..bytes.len() - 3]),
        Err(DecodeError::Protobuf(_))
    ));
    let headerless = proto::FeedMessage::default().encode_to_vec();
    assert_eq!(decode(&headerless), Err(DecodeError::NoHeader));
    assert_eq!(decode(&[]), Err(DecodeError::NoHeader));
}

#[test]
fn deleted_entities_are_skipped() {
    let mut message = FeedBuilder::new(at(10, 0))
        .cancel("T1", None)
        .message()
        .clone();
    message.entity[0].is_deleted = Some(true);
    let decoded = read(&message);
    assert!(decoded.updates.is_empty() && decoded.unusable.is_empty());
    assert_eq!(decoded.entities, 1);
}
