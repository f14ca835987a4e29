use super::{NOW, claims, keyring};
use crate::seat_codes::batch::{TripCodes, mint_batch, mint_one};
use crate::seat_codes::{Car, Seat, verify};

const BASE: &str = "https://lire.example-rail.fr";

fn trip(cars: &[String]) -> TripCodes<'_> {
    TripCodes {
        trip: 31,
        seats: 80,
        cars,
        window: claims(31, 0, 0).window,
    }
}

fn cars(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| c.to_string()).collect()
}

#[test]
fn all_seats_are_minted_when_none_are_named() {
    let keys = keyring();
    let labels = mint_batch(&keys, &trip(&[]), None, None, BASE, NOW).unwrap();
    assert_eq!(labels.len(), 80);
    let token = labels[79].url.rsplit('/').next().unwrap();
    let claims = verify(&keys, token).unwrap();
    assert_eq!(
        (claims.trip, claims.seat, claims.car),
        (31, Seat(80), Car::NONE)
    );
}

#[test]
fn each_named_car_gets_each_seat() {
    let known = cars(&["1", "2", "3"]);
    let labels = mint_batch(
        &keyring(),
        &trip(&known),
        Some("1-2"),
        Some(&cars(&["3", "1"])),
        BASE,
        NOW,
    )
    .unwrap();
    let pairs: Vec<_> = labels.iter().map(|l| (l.car.0, l.seat.0)).collect();
    assert_eq!(pairs, vec![(3, 1), (3, 2), (1, 1), (1, 2)]);
}

#[test]
fn unknown_car_is_refused() {
    let known = cars(&["1", "2"]);
    let err = mint_batch(
        &keyring(),
        &trip(&known),
        Some("1"),
        Some(&cars(&["7"])),
        BASE,
        NOW,
    )
    .unwrap_err();
    assert_eq!(err.code(), "car-unknown");
    assert!(err.to_string().contains("1, 2"), "{err}");
}

#[test]
fn seat_beyond_the_trip_is_refused() {
    let err = mint_batch(&keyring(), &trip(&[]), Some("79-81"), None, BASE, NOW).unwrap_err();
    assert_eq!(err.code(), "seat-range-invalid");
    assert!(err.to_string().contains("81"), "{err}");
}

#[test]
fn seats_times_cars_above_the_limit_is_refused() {
    let known: Vec<String> = (1..=30).map(|c| c.to_string()).collect();
    let t = TripCodes {
        seats: 2_000,
        ..trip(&known)
    };
    let err = mint_batch(&keyring(), &t, Some("1-100"), Some(&known), BASE, NOW).unwrap_err();
    assert_eq!(err.code(), "too-many-seats");
}

#[test]
fn one_code_names_its_seat_and_car() {
    let known = cars(&["4"]);
    let label = mint_one(&keyring(), &trip(&known), Seat(12), Some("4"), BASE, NOW).unwrap();
    assert_eq!((label.seat, label.car), (Seat(12), Car(4)));
    assert!(label.url.starts_with("HTTPS://LIRE.EXAMPLE-RAIL.FR/T/"));
}
