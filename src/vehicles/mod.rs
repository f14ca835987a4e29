//! Vehicles: an operator's train sets, the seat labels printed once per set,
//! and which sets run which trip (plan, explicit assignment, GTFS-Realtime).
//!
//! A vehicle code's scan reads only the in-memory [`Fleet`] and the trips'
//! index: the seat's label generation, the trips the set runs, and
//! [`resolve::running_at`] to pick the one it runs now. Only `routes/` knows HTTP.

pub mod assign;
pub mod codes;
pub mod error;
pub mod fleet;
pub mod import;
pub mod label_keys;
pub mod model;
pub mod resolve;
pub mod routes;
pub mod store;

pub use assign::{Actor, RealtimeAssigned, Source};
pub use error::VehicleError;
pub use fleet::Fleet;
pub use model::{CarSeats, Vehicle, VehicleNumber};
pub use resolve::{Running, running_at};
pub use store::VehicleStore;
