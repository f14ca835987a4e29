//! Minting the seat codes an operator asks for: seats × cars of one trip.

use super::seats::{MAX_SEATS, SeatList, SeatRangeError, parse_car};
use super::sheet::LabelSpec;
use super::{Car, Claims, Keyring, Seat, SeatCodeError, Window, mint, seat_code_url};

/// What minting needs to know about a trip.
#[derive(Debug, Clone, Copy)]
pub struct TripCodes<'a> {
    /// trajet's numeric trip id.
    pub trip: u32,
    /// How many seats the trip has (seats are numbered from 1).
    pub seats: u16,
    /// The trip's cars as stored (numbers written as text), if it lists any.
    pub cars: &'a [String],
    /// When the codes open sessions: the trip's window.
    pub window: Window,
}

/// Why a batch of codes could not be minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The seat list or a car number is malformed, or too long.
    #[error(transparent)]
    Range(#[from] SeatRangeError),
    /// A seat beyond the trip's seat count.
    #[error("seat {seat} is beyond this trip's {seats} seats")]
    SeatBeyond {
        /// The first seat out of range.
        seat: u16,
        /// The trip's seat count.
        seats: u16,
    },
    /// A car the trip does not have.
    #[error("car `{car}` is not one of this trip's cars ({known})")]
    UnknownCar {
        /// The car as asked.
        car: String,
        /// The trip's cars, comma-separated.
        known: String,
    },
    /// The token cannot carry the trip's window.
    #[error(transparent)]
    Code(#[from] SeatCodeError),
}

impl BatchError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Range(e) => e.code(),
            Self::SeatBeyond { .. } => "seat-range-invalid",
            Self::UnknownCar { .. } => "car-unknown",
            Self::Code(e) => e.code(),
        }
    }
}

/// Mints one code per asked seat and car (every seat when `seats` is `None`;
/// no car printed when `cars` is `None` or empty), in car then seat order.
pub fn mint_batch(
    keys: &Keyring,
    trip: &TripCodes<'_>,
    seats: Option<&str>,
    cars: Option<&[String]>,
    public_base_url: &str,
    now: i64,
) -> Result<Vec<LabelSpec>, BatchError> {
    let seats = match seats {
        Some(text) => SeatList::parse(text)?,
        None => SeatList::first_n(trip.seats)?,
    };
    if let Some(beyond) = seats.seats().iter().find(|s| s.0 > trip.seats) {
        return Err(BatchError::SeatBeyond {
            seat: beyond.0,
            seats: trip.seats,
        });
    }
    let cars = match cars {
        Some(asked) if !asked.is_empty() => asked
            .iter()
            .map(|c| known_car(trip, c))
            .collect::<Result<Vec<_>, _>>()?,
        _ => vec![Car::NONE],
    };
    let count = cars.len() * seats.seats().len();
    if count > MAX_SEATS {
        return Err(SeatRangeError::TooMany {
            count,
            max: MAX_SEATS,
        }
        .into());
    }
    let mut labels = Vec::with_capacity(count);
    for &car in &cars {
        for &seat in seats.seats() {
            let claims = Claims {
                trip: trip.trip,
                seat,
                car,
                window: trip.window,
            };
            let url = seat_code_url(public_base_url, &mint(keys, &claims, now)?);
            labels.push(LabelSpec { seat, car, url });
        }
    }
    Ok(labels)
}

/// Mints the code of one seat (and car).
pub fn mint_one(
    keys: &Keyring,
    trip: &TripCodes<'_>,
    seat: Seat,
    car: Option<&str>,
    public_base_url: &str,
    now: i64,
) -> Result<LabelSpec, BatchError> {
    let cars: Vec<String> = car.map(str::to_owned).into_iter().collect();
    let mut one = mint_batch(
        keys,
        trip,
        Some(&seat.0.to_string()),
        Some(&cars),
        public_base_url,
        now,
    )?;
    Ok(one.remove(0))
}

fn known_car(trip: &TripCodes<'_>, asked: &str) -> Result<Car, BatchError> {
    let car = parse_car(asked)?;
    if trip.cars.iter().any(|known| parse_car(known) == Ok(car)) {
        Ok(car)
    } else {
        let known = if trip.cars.is_empty() {
            "it lists none".to_owned()
        } else {
            trip.cars.join(", ")
        };
        Err(BatchError::UnknownCar {
            car: asked.to_owned(),
            known,
        })
    }
}
