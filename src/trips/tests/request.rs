use chrono::NaiveDate;

use super::{request, utc};
use crate::trips::TripError;
use crate::trips::change::{TripChange, TripChangeRequest};
use crate::trips::model::TripId;
use crate::trips::request::NewTripRequest;

fn refusal(req: NewTripRequest) -> (&'static str, String) {
    match req.parse(chrono_tz::Europe::Paris) {
        Err(e @ TripError::Invalid { .. }) => {
            assert_eq!(e.code(), "trip-invalid");
            let TripError::Invalid { field, reason } = e else {
                unreachable!()
            };
            (field, reason)
        }
        Err(TripError::Missing(fields)) if fields.len() == 1 => (fields[0], "is required".into()),
        other => panic!("expected trip-invalid, got {other:?}"),
    }
}

#[test]
fn valid_request_becomes_a_scheduled_trip_in_utc() {
    let trip = request()
        .parse(chrono_tz::Europe::Paris)
        .unwrap()
        .into_trip(TripId::new(7), super::OPERATOR);
    assert_eq!(trip.departs_at, utc("2026-11-28T10:29:00Z"));
    assert_eq!(
        trip.service_date,
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    );
    assert_eq!(
        (trip.seats.get(), trip.timezone.name()),
        (80, "Europe/Paris")
    );
    let json = serde_json::to_value(&trip).unwrap();
    assert_eq!(json["id"], 7);
    assert_eq!(json["departs_at"], "2026-11-28T10:29:00Z");
    assert_eq!(
        (json["state"].as_str(), json["timezone"].as_str()),
        (Some("scheduled"), Some("Europe/Paris"))
    );
}

#[test]
fn every_required_field_is_named_when_missing() {
    type Remove = fn(&mut NewTripRequest);
    let cases: [(&str, Remove); 7] = [
        ("line", |r| r.line = None),
        ("train_number", |r| r.train_number = None),
        ("origin", |r| r.origin = None),
        ("destination", |r| r.destination = None),
        ("departs_at", |r| r.departs_at = None),
        ("arrives_at", |r| r.arrives_at = None),
        ("seats", |r| r.seats = None),
    ];
    for (field, remove) in cases {
        let mut req = request();
        remove(&mut req);
        assert_eq!(refusal(req), (field, "is required".to_owned()));
    }
}

#[test]
fn every_missing_field_is_named_at_once() {
    let mut req = request();
    req.line = None;
    req.origin = None;
    req.seats = None;
    match req.parse(chrono_tz::Europe::Paris) {
        Err(e @ TripError::Missing(_)) => {
            assert_eq!(e.code(), "trip-invalid");
            assert_eq!(e.to_string(), "required: line, origin, seats");
        }
        other => panic!("expected the three missing fields, got {other:?}"),
    }
}

#[test]
fn seat_counts_outside_one_to_two_thousand_are_refused() {
    for seats in [0, -1, 2001, i64::MAX] {
        assert_eq!(
            refusal(NewTripRequest {
                seats: Some(seats),
                ..request()
            })
            .0,
            "seats"
        );
    }
    assert!(
        NewTripRequest {
            seats: Some(2000),
            ..request()
        }
        .parse(chrono_tz::UTC)
        .is_ok()
    );
}

#[test]
fn arrival_must_come_after_departure() {
    let same = NewTripRequest {
        arrives_at: Some("2026-11-28T11:29:00+01:00".into()),
        ..request()
    };
    assert_eq!(refusal(same).0, "arrives_at");
}

#[test]
fn malformed_instants_time_zones_and_names_are_refused() {
    assert_eq!(
        refusal(NewTripRequest {
            departs_at: Some("2026-11-28 11:29".into()),
            ..request()
        })
        .0,
        "departs_at"
    );
    assert_eq!(
        refusal(NewTripRequest {
            timezone: Some("Mars/Olympus".into()),
            ..request()
        })
        .0,
        "timezone"
    );
    assert_eq!(
        refusal(NewTripRequest {
            line: Some("  ".into()),
            ..request()
        })
        .0,
        "line"
    );
    assert_eq!(
        refusal(NewTripRequest {
            origin: Some("a\u{7}b".into()),
            ..request()
        })
        .0,
        "origin"
    );
    assert_eq!(
        refusal(NewTripRequest {
            cars: Some(vec!["1".into(), "1".into()]),
            ..request()
        })
        .0,
        "cars"
    );
    assert_eq!(
        refusal(NewTripRequest {
            cars: Some(vec!["car one".into()]),
            ..request()
        })
        .0,
        "cars"
    );
}

#[test]
fn service_date_defaults_to_the_local_date_of_departure() {
    // 23:30 in Chicago is already the next day in UTC.
    let late = NewTripRequest {
        departs_at: Some("2026-11-28T23:30:00-06:00".into()),
        arrives_at: Some("2026-11-29T00:30:00-06:00".into()),
        timezone: Some("America/Chicago".into()),
        ..request()
    };
    assert_eq!(
        late.parse(chrono_tz::UTC).unwrap().service_date,
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    );
}

#[test]
fn window_runs_from_before_departure_to_after_arrival() {
    let trip = request()
        .parse(chrono_tz::Europe::Paris)
        .unwrap()
        .into_trip(TripId::new(1), super::OPERATOR);
    let mut config = crate::config::Config::for_tests("unused");
    let window = trip.window(&config);
    assert_eq!(
        (window.opens_at, window.closes_at),
        (utc("2026-11-28T09:59:00Z"), utc("2026-11-28T11:56:00Z")),
        "30 minutes before and 15 after by default"
    );
    assert!(window.contains(window.opens_at) && !window.contains(window.closes_at));
    config.window_before = std::time::Duration::from_secs(5 * 60);
    config.window_after = std::time::Duration::from_secs(u64::MAX);
    let window = trip.window(&config);
    assert_eq!(window.opens_at, utc("2026-11-28T10:24:00Z"));
    assert_eq!(window.closes_at, chrono::DateTime::<chrono::Utc>::MAX_UTC);
}

#[test]
fn change_tells_absent_collections_from_null() {
    let parse = |json: &str| {
        serde_json::from_str::<TripChangeRequest>(json)
            .unwrap()
            .parse()
    };
    assert_eq!(
        parse(r#"{"collections": null}"#).unwrap(),
        TripChange {
            arrives_at: None,
            collections: Some(None)
        }
    );
    let later = parse(r#"{"arrives_at": "2026-11-28T13:00:00+01:00"}"#).unwrap();
    assert_eq!(
        later,
        TripChange {
            arrives_at: Some(utc("2026-11-28T12:00:00Z")),
            collections: None
        }
    );
    assert_eq!(parse("{}").unwrap_err().code(), "trip-invalid");
}
