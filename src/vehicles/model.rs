//! A train set as operators register it (SPEC §3): its own id, a name, and
//! its cars with their seat counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::VehicleError;
use crate::seat_codes::seats::parse_car;
use crate::seat_codes::{Car, Seat};

/// The most seats one car may have (seat numbers are printed per car).
pub const MAX_SEATS_PER_CAR: u32 = 2_000;
/// The most cars one train set may have (a car number is one byte in codes).
pub const MAX_CARS: usize = 32;

/// trajet's numeric id of a vehicle, carried in its seat codes.
pub type VehicleNumber = u32;

/// One car of a train set: its number (as text, `"1"` to `"255"`) and seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarSeats {
    /// The car number painted on the car.
    pub car: String,
    /// Seats numbered 1 to `seats` in this car.
    pub seats: u32,
}

/// A registered train set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vehicle {
    /// The operator's id of the set (GTFS-Realtime `VehicleDescriptor.id`).
    #[serde(rename = "id")]
    pub vehicle_ref: String,
    /// A name for people, e.g. `Regio 2N 24571`.
    pub label: String,
    /// Its cars, in order.
    pub cars: Vec<CarSeats>,
    /// Seats over all cars.
    pub seats: u32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// trajet's number of the set (its codes carry it).
    #[serde(skip)]
    pub number: VehicleNumber,
    /// The operator account owning it.
    #[serde(skip)]
    pub operator: String,
    /// The tag of `operator` its codes carry (kept to spare a hash per scan).
    #[serde(skip)]
    pub operator_tag: u32,
    /// The signing key its labels are minted with (see
    /// [`super::label_keys`]); `None` only for a set registered before any key.
    #[serde(skip)]
    pub label_key: Option<u8>,
}

impl Vehicle {
    /// How many seats car `car` has, if the set has that car.
    pub fn seats_in(&self, car: Car) -> Option<u16> {
        self.cars
            .iter()
            .find(|c| parse_car(&c.car) == Ok(car))
            .map(|c| c.seats as u16)
    }

    /// Whether the set has this seat.
    pub fn has_seat(&self, car: Car, seat: Seat) -> bool {
        self.seats_in(car)
            .is_some_and(|n| seat.0 >= 1 && seat.0 <= n)
    }
}

/// The body of `POST /vehicles`, as sent.
#[derive(Debug, Clone, Deserialize)]
pub struct NewVehicleRequest {
    /// The operator's id of the set.
    pub id: Option<String>,
    /// A name for people (defaults to the id).
    pub label: Option<String>,
    /// The cars and their seats.
    pub cars: Option<Vec<CarSeats>>,
}

/// A valid new train set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleDraft {
    /// The operator's id of the set.
    pub vehicle_ref: String,
    /// A name for people.
    pub label: String,
    /// The cars, numbers distinct.
    pub cars: Vec<CarSeats>,
}

impl NewVehicleRequest {
    /// Checks every field: the id, the name, each car and its seats.
    pub fn parse(self) -> Result<VehicleDraft, VehicleError> {
        let vehicle_ref = vehicle_ref(self.id.as_deref().unwrap_or_default())?;
        let label = match self.label.as_deref().map(str::trim) {
            None | Some("") => vehicle_ref.clone(),
            Some(text) if text.chars().count() > 200 || text.chars().any(char::is_control) => {
                return Err(VehicleError::invalid(
                    "label",
                    "must be at most 200 characters, without control characters",
                ));
            }
            Some(text) => text.to_owned(),
        };
        let cars = self.cars.unwrap_or_default();
        check_cars(&cars)?;
        let cars = cars
            .into_iter()
            .map(|c| CarSeats {
                car: c.car.trim().to_owned(),
                seats: c.seats,
            })
            .collect();
        Ok(VehicleDraft {
            vehicle_ref,
            label,
            cars,
        })
    }
}

/// An operator's vehicle id: 1 to 64 visible characters.
pub fn vehicle_ref(text: &str) -> Result<String, VehicleError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err(VehicleError::invalid(
            "id",
            "the vehicle id must be 1 to 64 characters, without control characters",
        ));
    }
    Ok(text.to_owned())
}

fn check_cars(cars: &[CarSeats]) -> Result<(), VehicleError> {
    if cars.is_empty() || cars.len() > MAX_CARS {
        return Err(VehicleError::invalid(
            "cars",
            format!("a train set has 1 to {MAX_CARS} cars"),
        ));
    }
    let mut seen = Vec::with_capacity(cars.len());
    for c in cars {
        let number = parse_car(&c.car).map_err(|_| {
            VehicleError::invalid(
                "cars",
                format!("car `{}` is not a number from 1 to 255", c.car),
            )
        })?;
        if seen.contains(&number) {
            return Err(VehicleError::invalid(
                "cars",
                format!("car {} is listed twice", c.car.trim()),
            ));
        }
        seen.push(number);
        if !(1..=MAX_SEATS_PER_CAR).contains(&c.seats) {
            return Err(VehicleError::invalid(
                "cars",
                format!(
                    "car {} has {} seats; a car has 1 to {MAX_SEATS_PER_CAR}",
                    c.car.trim(),
                    c.seats
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cars: serde_json::Value) -> NewVehicleRequest {
        serde_json::from_value(serde_json::json!({"id": " 24571 ", "cars": cars})).unwrap()
    }

    #[test]
    fn a_set_with_numbered_cars_is_accepted() {
        let draft =
            request(serde_json::json!([{"car": "1", "seats": 80}, {"car": "2", "seats": 96}]))
                .parse()
                .unwrap();
        assert_eq!(draft.vehicle_ref, "24571");
        assert_eq!(draft.label, "24571");
        assert_eq!(draft.cars.len(), 2);
    }

    #[test]
    fn bad_cars_are_refused_with_the_reason() {
        for (cars, reason) in [
            (serde_json::json!([]), "1 to 32 cars"),
            (
                serde_json::json!([{"car": "A", "seats": 80}]),
                "not a number",
            ),
            (serde_json::json!([{"car": "1", "seats": 0}]), "1 to 2000"),
            (
                serde_json::json!([{"car": "1", "seats": 8}, {"car": "1", "seats": 8}]),
                "twice",
            ),
        ] {
            let err = request(cars).parse().unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
        }
    }

    #[test]
    fn an_empty_id_is_refused() {
        assert!(vehicle_ref("  ").is_err());
        assert!(vehicle_ref("24\u{7}571").is_err());
    }
}
