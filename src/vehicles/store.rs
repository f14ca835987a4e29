//! Vehicles in the database (`vehicles`, `vehicle_seats`,
//! `operator_settings`), with the [`Fleet`] snapshot in memory. Every write
//! is one transaction under the `vehicles` generation; this process reloads
//! the snapshot as it commits, other processes when [`VehicleStore::refresh`]
//! sees the generation move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{Duration, NaiveDate, Utc};
use sqlx::Row as _;

use super::error::VehicleError;
use super::fleet::{self, Fleet};
use super::model::{Vehicle, VehicleDraft, VehicleNumber};
use crate::db::{Database, Domain, Generations, Write};
use crate::seat_codes::{Car, Seat};

/// Service dates of assignments held in memory around today: those of the
/// trips' own index, so every trip a vehicle can run now is there.
const DAYS_BEFORE: i64 = 2;
const DAYS_AFTER: i64 = 2;

/// The operators' vehicles and what they run.
#[derive(Debug)]
pub struct VehicleStore {
    pub(super) db: Database,
    fleet: RwLock<Arc<Fleet>>,
    loaded: AtomicI64,
    refreshing: tokio::sync::Mutex<()>,
}

/// What a write of vehicles did, for the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new vehicle.
    Created,
    /// An existing vehicle's name or cars changed.
    Updated,
}

impl VehicleStore {
    /// Loads every live vehicle and the assignments of the days around today.
    pub async fn open(db: Database) -> anyhow::Result<Self> {
        let generation = db.generations().await?.of(Domain::Vehicles);
        let (first, last) = days(Utc::now().date_naive());
        let fleet = fleet::load(&db, first, last).await?;
        Ok(Self {
            db,
            fleet: RwLock::new(Arc::new(fleet)),
            loaded: AtomicI64::new(generation),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// The snapshot the scan and the API read.
    pub fn fleet(&self) -> Arc<Fleet> {
        self.fleet.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads when another process changed vehicles or assignments, or the
    /// UTC day rolled over. Answers whether the snapshot changed.
    pub async fn refresh(&self, generations: &Generations) -> anyhow::Result<bool> {
        let _one = self.refreshing.lock().await;
        let generation = generations.of(Domain::Vehicles);
        let span = days(Utc::now().date_naive());
        if generation == self.loaded.load(Ordering::Acquire) && self.fleet().days == span {
            return Ok(false);
        }
        let fleet = fleet::load(&self.db, span.0, span.1).await?;
        *self.fleet.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fleet);
        self.loaded.store(generation, Ordering::Release);
        Ok(true)
    }

    /// Reloads after this process committed a write, so its next request sees it.
    pub(super) async fn reload(&self) -> anyhow::Result<()> {
        let generations = self.db.generations().await?;
        self.loaded.store(-1, Ordering::Release);
        self.refresh(&generations).await?;
        Ok(())
    }

    /// `operator`'s live vehicle with this id.
    pub fn get(&self, operator: &str, vehicle_ref: &str) -> Result<Arc<Vehicle>, VehicleError> {
        self.fleet()
            .by_ref(operator, vehicle_ref)
            .cloned()
            .ok_or_else(|| VehicleError::NotFound(vehicle_ref.to_owned()))
    }

    /// Registers a train set; `409` when the operator already has a live one with this id.
    pub async fn create(
        &self,
        operator: &str,
        draft: VehicleDraft,
    ) -> Result<Arc<Vehicle>, VehicleError> {
        let mut write = self.db.write(Domain::Vehicles).await?;
        if live_number(&mut write, operator, &draft.vehicle_ref)
            .await?
            .is_some()
        {
            return Err(VehicleError::Exists(draft.vehicle_ref));
        }
        insert(&mut write, operator, &draft).await?;
        write.commit().await?;
        self.reload().await?;
        self.get(operator, &draft.vehicle_ref)
    }

    /// Registers or updates many sets in one transaction (the CSV import):
    /// all of them, or none.
    pub async fn save_all(
        &self,
        operator: &str,
        drafts: &[VehicleDraft],
    ) -> Result<Vec<Saved>, VehicleError> {
        let mut write = self.db.write(Domain::Vehicles).await?;
        let mut saved = Vec::with_capacity(drafts.len());
        for draft in drafts {
            match live_number(&mut write, operator, &draft.vehicle_ref).await? {
                Some(number) => {
                    sqlx::query("UPDATE vehicles SET label = $2, cars = $3 WHERE id = $1")
                        .bind(i64::from(number))
                        .bind(draft.label.clone())
                        .bind(serde_json::to_string(&draft.cars).map_err(anyhow::Error::new)?)
                        .execute(write.tx())
                        .await?;
                    saved.push(Saved::Updated);
                }
                None => {
                    insert(&mut write, operator, draft).await?;
                    saved.push(Saved::Created);
                }
            }
        }
        write.commit().await?;
        self.reload().await?;
        Ok(saved)
    }

    /// Retires a set: its labels stop opening sessions and it runs no trip.
    pub async fn retire(&self, operator: &str, vehicle_ref: &str) -> Result<(), VehicleError> {
        let mut write = self.db.write(Domain::Vehicles).await?;
        let number = live_number(&mut write, operator, vehicle_ref)
            .await?
            .ok_or_else(|| VehicleError::NotFound(vehicle_ref.to_owned()))?;
        sqlx::query("UPDATE vehicles SET retired_at = $2 WHERE id = $1")
            .bind(i64::from(number))
            .bind(Utc::now().timestamp())
            .execute(write.tx())
            .await?;
        sqlx::query("DELETE FROM trip_vehicles WHERE vehicle_id = $1")
            .bind(i64::from(number))
            .execute(write.tx())
            .await?;
        write.commit().await?;
        self.reload().await?;
        Ok(())
    }

    /// Reprints one seat's label: its generation moves on, so the label
    /// printed before is refused from now on. Returns the new generation.
    pub async fn reprint(
        &self,
        vehicle: &Vehicle,
        car: Car,
        seat: Seat,
    ) -> Result<u16, VehicleError> {
        let mut write = self.db.write(Domain::Vehicles).await?;
        let generation: i64 = sqlx::query_scalar(
            "INSERT INTO vehicle_seats (vehicle_id, car, seat, generation) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (vehicle_id, car, seat) \
             DO UPDATE SET generation = vehicle_seats.generation + 1 RETURNING generation",
        )
        .bind(i64::from(vehicle.number))
        .bind(i64::from(car.0))
        .bind(i64::from(seat.0))
        .fetch_one(write.tx())
        .await?;
        let generation = u16::try_from(generation)
            .map_err(|_| VehicleError::invalid("seat", "this seat was reprinted too many times"))?;
        write.commit().await?;
        self.reload().await?;
        Ok(generation)
    }

    /// Sets how many sessions one seat code opens per trip for `operator`
    /// (`None`: the service's default).
    pub async fn set_sessions_per_seat_code(
        &self,
        operator: &str,
        cap: Option<u32>,
    ) -> Result<(), VehicleError> {
        let mut write = self.db.write(Domain::Vehicles).await?;
        sqlx::query(
            "INSERT INTO operator_settings (operator, sessions_per_seat_code) VALUES ($1, $2) \
             ON CONFLICT (operator) DO UPDATE SET sessions_per_seat_code = excluded.sessions_per_seat_code",
        )
        .bind(operator.to_owned())
        .bind(cap.map(i64::from))
        .execute(write.tx())
        .await?;
        write.commit().await?;
        self.reload().await?;
        Ok(())
    }
}

/// The assignments' days around `today`.
fn days(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        today - Duration::days(DAYS_BEFORE),
        today + Duration::days(DAYS_AFTER),
    )
}

/// The number of `operator`'s live vehicle with this id, inside a write.
pub(super) async fn live_number(
    write: &mut Write,
    operator: &str,
    vehicle_ref: &str,
) -> Result<Option<VehicleNumber>, VehicleError> {
    let row = sqlx::query(
        "SELECT id FROM vehicles WHERE operator = $1 AND vehicle_ref = $2 AND retired_at IS NULL",
    )
    .bind(operator.to_owned())
    .bind(vehicle_ref.to_owned())
    .fetch_optional(write.tx())
    .await?;
    row.map(|r| {
        let id: i64 = r.try_get(0)?;
        u32::try_from(id).map_err(|e| VehicleError::Storage(e.into()))
    })
    .transpose()
}

async fn insert(
    write: &mut Write,
    operator: &str,
    draft: &VehicleDraft,
) -> Result<VehicleNumber, VehicleError> {
    let next: i64 =
        sqlx::query_scalar("UPDATE vehicle_ids SET next_id = next_id + 1 RETURNING next_id")
            .fetch_one(write.tx())
            .await?;
    let number = u32::try_from(next - 1).map_err(|_| VehicleError::NumbersExhausted)?;
    // Bound to the key that signs now: its labels are minted with it for as
    // long as the set lives (see `label_keys`).
    let sql = format!(
        "INSERT INTO vehicles (id, operator, vehicle_ref, label, cars, created_at, label_key) \
         VALUES ($1, $2, $3, $4, $5, $6, {})",
        super::label_keys::SIGNER
    );
    sqlx::query(&sql)
        .bind(i64::from(number))
        .bind(operator.to_owned())
        .bind(draft.vehicle_ref.clone())
        .bind(draft.label.clone())
        .bind(serde_json::to_string(&draft.cars).map_err(anyhow::Error::new)?)
        .bind(Utc::now().timestamp())
        .execute(write.tx())
        .await?;
    Ok(number)
}
