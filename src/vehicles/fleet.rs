//! The vehicles as the scan reads them: one immutable snapshot in memory,
//! rebuilt from the database when the vehicles' generation moves (or the UTC
//! day rolls over), and swapped in whole. A scan takes an `Arc` of it and
//! does only hash lookups: no query on the passenger's path.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row as _;

use super::assign::Source;
use super::model::{CarSeats, Vehicle, VehicleNumber};
use crate::FastMap;
use crate::db::Database;
use crate::seat_codes::{Car, Seat};
use crate::trips::TripId;

/// Every live vehicle, reprinted seat, current assignment and operator setting.
#[derive(Debug, Default)]
pub struct Fleet {
    vehicles: FastMap<VehicleNumber, Arc<Vehicle>>,
    by_ref: FastMap<(String, String), VehicleNumber>,
    generations: FastMap<(VehicleNumber, u8, u16), u16>,
    /// Per vehicle, the trips (of the loaded days) it runs, each with the
    /// source that put it there (a trip's strongest).
    runs: FastMap<VehicleNumber, Vec<(TripId, Source)>>,
    /// Per trip, its vehicles by the strongest source, in the order given.
    of_trip: FastMap<TripId, Vec<VehicleNumber>>,
    sessions_per_seat_code: FastMap<String, u32>,
    /// The first and last service dates whose assignments are loaded.
    pub(super) days: (NaiveDate, NaiveDate),
}

impl Fleet {
    /// A live vehicle by trajet's number.
    pub fn vehicle(&self, number: VehicleNumber) -> Option<&Arc<Vehicle>> {
        self.vehicles.get(&number)
    }

    /// `operator`'s live vehicle with this id.
    pub fn by_ref(&self, operator: &str, vehicle_ref: &str) -> Option<&Arc<Vehicle>> {
        let key = (operator.to_owned(), vehicle_ref.to_owned());
        self.by_ref.get(&key).and_then(|n| self.vehicles.get(n))
    }

    /// `operator`'s live vehicles, by id.
    pub fn of_operator(&self, operator: &str) -> Vec<Arc<Vehicle>> {
        let mut list: Vec<_> = self
            .vehicles
            .values()
            .filter(|v| v.operator == operator)
            .cloned()
            .collect();
        list.sort_by(|a, b| a.vehicle_ref.cmp(&b.vehicle_ref));
        list
    }

    /// The generation of a seat's current label (0 until reprinted).
    pub fn generation(&self, vehicle: VehicleNumber, car: Car, seat: Seat) -> u16 {
        self.generations
            .get(&(vehicle, car.0, seat.0))
            .copied()
            .unwrap_or(0)
    }

    /// The trips a vehicle runs over the loaded days, each with the source
    /// that says so: when a feed puts a set on a trip without withdrawing the
    /// plan's trip at that hour, both are listed and the scan prefers the
    /// stronger source (see [`super::resolve`]).
    pub fn trips_of(&self, vehicle: VehicleNumber) -> &[(TripId, Source)] {
        self.runs.get(&vehicle).map_or(&[], Vec::as_slice)
    }

    /// The ids of the vehicles running a trip of the loaded days.
    pub fn vehicles_of(&self, trip: TripId) -> Vec<String> {
        self.of_trip
            .get(&trip)
            .into_iter()
            .flatten()
            .filter_map(|n| self.vehicles.get(n))
            .map(|v| v.vehicle_ref.clone())
            .collect()
    }

    /// The operator's cap of sessions per seat code and trip, if it set one.
    pub fn sessions_per_seat_code(&self, operator: &str) -> Option<u32> {
        self.sessions_per_seat_code.get(operator).copied()
    }
}

/// Reads the whole fleet, with the assignments of trips on `first..=last`.
pub(super) async fn load(
    db: &Database,
    first: NaiveDate,
    last: NaiveDate,
) -> anyhow::Result<Fleet> {
    let mut fleet = Fleet {
        days: (first, last),
        ..Fleet::default()
    };
    let rows = sqlx::query(
        "SELECT id, operator, vehicle_ref, label, cars, created_at, label_key FROM vehicles \
         WHERE retired_at IS NULL",
    )
    .fetch_all(db.pool())
    .await?;
    for row in rows {
        let number = u32::try_from(row.try_get::<i64, _>("id")?)?;
        let cars: Vec<CarSeats> = serde_json::from_str(&row.try_get::<String, _>("cars")?)?;
        let operator: String = row.try_get("operator")?;
        let vehicle = Vehicle {
            vehicle_ref: row.try_get("vehicle_ref")?,
            label: row.try_get("label")?,
            seats: cars.iter().map(|c| c.seats).sum(),
            cars,
            created_at: DateTime::<Utc>::from_timestamp(row.try_get("created_at")?, 0)
                .unwrap_or_default(),
            number,
            operator_tag: crate::seat_codes::operator_tag(&operator),
            operator,
            label_key: row
                .try_get::<Option<i64>, _>("label_key")?
                .and_then(|k| u8::try_from(k).ok()),
        };
        fleet.by_ref.insert(
            (vehicle.operator.clone(), vehicle.vehicle_ref.clone()),
            number,
        );
        fleet.vehicles.insert(number, Arc::new(vehicle));
    }
    let rows = sqlx::query("SELECT vehicle_id, car, seat, generation FROM vehicle_seats")
        .fetch_all(db.pool())
        .await?;
    for row in rows {
        let key = (
            u32::try_from(row.try_get::<i64, _>(0)?)?,
            u8::try_from(row.try_get::<i64, _>(1)?)?,
            u16::try_from(row.try_get::<i64, _>(2)?)?,
        );
        fleet
            .generations
            .insert(key, u16::try_from(row.try_get::<i64, _>(3)?)?);
    }
    load_assignments(db, &mut fleet).await?;
    let rows = sqlx::query(
        "SELECT operator, sessions_per_seat_code FROM operator_settings \
         WHERE sessions_per_seat_code IS NOT NULL",
    )
    .fetch_all(db.pool())
    .await?;
    for row in rows {
        let cap = u32::try_from(row.try_get::<i64, _>(1)?)?;
        fleet.sessions_per_seat_code.insert(row.try_get(0)?, cap);
    }
    Ok(fleet)
}

async fn load_assignments(db: &Database, fleet: &mut Fleet) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT tv.trip_id, tv.source, tv.vehicle_id FROM trip_vehicles tv \
         JOIN trips t ON t.id = tv.trip_id \
         WHERE t.service_date >= $1 AND t.service_date <= $2 \
         ORDER BY tv.trip_id, tv.position",
    )
    .bind(fleet.days.0.to_string())
    .bind(fleet.days.1.to_string())
    .fetch_all(db.pool())
    .await?;
    // Per trip, only the strongest source's vehicles count.
    let mut best: FastMap<TripId, (Source, Vec<VehicleNumber>)> = FastMap::default();
    for row in rows {
        let trip = TripId::new(u32::try_from(row.try_get::<i64, _>(0)?)?);
        let Some(source) = Source::parse(&row.try_get::<String, _>(1)?) else {
            continue;
        };
        let vehicle = u32::try_from(row.try_get::<i64, _>(2)?)?;
        if !fleet.vehicles.contains_key(&vehicle) {
            continue;
        }
        let entry = best.entry(trip).or_insert((source, Vec::new()));
        if source > entry.0 {
            *entry = (source, Vec::new());
        }
        if source == entry.0 {
            entry.1.push(vehicle);
        }
    }
    for (trip, (source, vehicles)) in best {
        for &v in &vehicles {
            fleet.runs.entry(v).or_default().push((trip, source));
        }
        fleet.of_trip.insert(trip, vehicles);
    }
    Ok(())
}
