//! Trips: what a seat code points at, with its time window, durable storage
//! in the database, and the GTFS import that fills it.
//!
//! Only `routes.rs` and `import_route.rs` know HTTP.

pub mod change;
pub mod error;
mod fields;
pub mod gtfs;
mod import_cli;
mod import_route;
pub mod live;
pub mod model;
pub mod request;
pub mod routes;
pub mod store;

pub use change::{TripChange, TripChangeRequest};
pub use error::TripError;
pub use fields::{parse_timezone, text};
pub use import_cli::import_gtfs;
pub use import_route::ImportGate;
pub use model::{ExternalKey, Seats, Trip, TripId, TripState, Window};
pub use request::{NewTripRequest, TripDraft};
pub use store::{
    Actor, ArrivalChange, ImportCounts, LiveOptions, LiveWrite, SharedTrip, Source,
    TripHistoryEntry, TripStore, labelled_until, record_change,
};

#[cfg(test)]
mod tests;
