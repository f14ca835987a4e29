use crate::seat_codes::seats::{MAX_SEATS, parse_car};
use crate::seat_codes::{Car, Seat, SeatList};

fn seats(text: &str) -> Vec<u16> {
    SeatList::parse(text)
        .unwrap()
        .seats()
        .iter()
        .map(|s| s.0)
        .collect()
}

fn code(text: &str) -> &'static str {
    SeatList::parse(text).unwrap_err().code()
}

#[test]
fn range_lists_every_seat() {
    assert_eq!(seats("1-80").len(), 80);
    assert_eq!(seats("1-80")[79], 80);
}

#[test]
fn ranges_and_single_seats_combine_in_order() {
    assert_eq!(seats(" 20-22, 1-3 ,15"), vec![1, 2, 3, 15, 20, 21, 22]);
}

#[test]
fn overlapping_ranges_are_merged() {
    assert_eq!(seats("1-3,2-4,3"), vec![1, 2, 3, 4]);
}

#[test]
fn reversed_range_is_refused() {
    assert_eq!(code("80-1"), "seat-range-invalid");
    assert!(
        SeatList::parse("80-1")
            .unwrap_err()
            .to_string()
            .contains("80-1")
    );
}

#[test]
fn non_numeric_range_is_refused() {
    for bad in [
        "a-b", "1-", "-5", "1--3", "+4", "1,,2", "0", "0-3", "65536", "1-99999", "1.5",
    ] {
        assert_eq!(code(bad), "seat-range-invalid", "{bad}");
    }
}

#[test]
fn empty_list_is_refused() {
    assert_eq!(code(""), "seat-range-invalid");
    assert_eq!(code("  "), "seat-range-invalid");
}

#[test]
fn more_than_the_limit_is_refused() {
    assert_eq!(seats(&format!("1-{MAX_SEATS}")).len(), MAX_SEATS);
    assert_eq!(code(&format!("1-{}", MAX_SEATS + 1)), "too-many-seats");
    assert_eq!(code("1-65535,1-65535,1-65535"), "too-many-seats");
}

#[test]
fn first_n_seats_is_one_to_n() {
    assert_eq!(
        SeatList::first_n(3).unwrap().seats(),
        &[Seat(1), Seat(2), Seat(3)]
    );
}

#[test]
fn car_is_a_number_from_1_to_255() {
    assert_eq!(parse_car(" 12 "), Ok(Car(12)));
    for bad in ["0", "256", "A", "", "-1", "+3"] {
        assert_eq!(parse_car(bad).unwrap_err().code(), "car-invalid", "{bad}");
    }
}
