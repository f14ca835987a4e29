//! Minting a train set's seat labels: one permanent code per car and seat,
//! at the seat's current generation, signed with the set's own key. The same
//! seat gives the same code every time (same key, same generation), so a
//! sheet downloaded twice prints the same labels, before and after a rotation.

use super::fleet::Fleet;
use super::model::Vehicle;
use crate::seat_codes::seats::{SeatList, parse_car};
use crate::seat_codes::sheet::{Heading, LabelSpec};
use crate::seat_codes::{
    Car, Keyring, Seat, VehicleClaims, mint_vehicle_with, operator_tag, seat_code_url,
};

/// The most labels one request may ask for (a long double-deck set has ~1,300 seats).
pub const MAX_LABELS: usize = 4_000;

/// Why labels could not be minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A car the set does not have, or not a car number.
    #[error("car `{car}` is not one of this train set's cars ({known})")]
    UnknownCar {
        /// The car as asked.
        car: String,
        /// The set's cars.
        known: String,
    },
    /// A malformed seat list, or one naming no seat of the chosen cars.
    #[error("{0}")]
    Seats(String),
    /// More labels than one request may ask for.
    #[error("{count} labels asked, at most {MAX_LABELS} per request")]
    TooMany {
        /// How many.
        count: usize,
    },
}

impl LabelError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownCar { .. } => "car-unknown",
            Self::Seats(_) => "seat-range-invalid",
            Self::TooMany { .. } => "too-many-seats",
        }
    }
}

/// The cars asked (every car when none), checked against the set.
pub fn cars_of(vehicle: &Vehicle, asked: Option<&[String]>) -> Result<Vec<Car>, LabelError> {
    let all = || {
        vehicle
            .cars
            .iter()
            .filter_map(|c| parse_car(&c.car).ok())
            .collect()
    };
    let Some(asked) = asked.filter(|a| !a.is_empty()) else {
        return Ok(all());
    };
    asked
        .iter()
        .map(|a| match parse_car(a) {
            Ok(car) if vehicle.seats_in(car).is_some() => Ok(car),
            _ => Err(LabelError::UnknownCar {
                car: a.clone(),
                known: vehicle
                    .cars
                    .iter()
                    .map(|c| c.car.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        })
        .collect()
}

/// The labels of `seats` (every seat when `None`) in each of `cars`, car
/// then seat order; seats a car does not have are left out.
pub fn labels(
    keys: &Keyring,
    fleet: &Fleet,
    vehicle: &Vehicle,
    cars: &[Car],
    seats: Option<&str>,
    public_base_url: &str,
) -> Result<Vec<LabelSpec>, LabelError> {
    let list = seats
        .filter(|s| !s.trim().is_empty())
        .map(SeatList::parse)
        .transpose()
        .map_err(|e| LabelError::Seats(e.to_string()))?;
    let count: usize = cars
        .iter()
        .map(|c| usize::from(vehicle.seats_in(*c).unwrap_or(0)))
        .sum();
    if list.is_none() && count > MAX_LABELS {
        return Err(LabelError::TooMany { count });
    }
    let mut out = Vec::new();
    for &car in cars {
        let in_car = vehicle.seats_in(car).unwrap_or(0);
        let chosen: Vec<Seat> = match &list {
            Some(list) => list
                .seats()
                .iter()
                .copied()
                .filter(|s| s.0 <= in_car)
                .collect(),
            None => (1..=in_car).map(Seat).collect(),
        };
        for seat in chosen {
            if out.len() >= MAX_LABELS {
                return Err(LabelError::TooMany {
                    count: out.len() + 1,
                });
            }
            out.push(label(keys, fleet, vehicle, car, seat, public_base_url));
        }
    }
    if out.is_empty() {
        return Err(LabelError::Seats(
            "none of these seats is in the chosen cars".into(),
        ));
    }
    Ok(out)
}

/// The current label of one seat.
pub fn label(
    keys: &Keyring,
    fleet: &Fleet,
    vehicle: &Vehicle,
    car: Car,
    seat: Seat,
    public_base_url: &str,
) -> LabelSpec {
    let claims = VehicleClaims {
        operator: operator_tag(&vehicle.operator),
        vehicle: vehicle.number,
        car,
        seat,
        generation: fleet.generation(vehicle.number, car, seat),
    };
    // The set's own key while it is trusted; once revoked (this instance
    // has not yet reloaded the set's new key), the signer, which is the key
    // the set was moved to.
    let key = vehicle
        .label_key
        .and_then(|id| keys.key(id))
        .unwrap_or_else(|| keys.signer());
    LabelSpec {
        seat,
        car,
        url: seat_code_url(public_base_url, &mint_vehicle_with(key, &claims)),
    }
}

/// What every label of a set prints: the operator, the set, no date.
pub fn heading(operator_name: &str, vehicle: &Vehicle) -> Heading {
    Heading {
        first: operator_name.to_owned(),
        second: vehicle.label.clone(),
        third: format!("Rame / Train set {}", vehicle.vehicle_ref),
        title: format!("{operator_name} {}", vehicle.label),
    }
}
