//! GTFS-Realtime: each operator's live feeds (TripUpdates,
//! VehiclePositions), polled and applied to trips and their sessions.
//!
//! The flow is one way: `feeds` (settings) → `poll` (when) → `fetch` (HTTP,
//! bounded) → `decode` (protobuf → trajet's terms) → the trip store's
//! `apply_live` (one database write) → sessions → `state` (what the console
//! shows). A fetch that fails anywhere changes nothing; its error is kept
//! for the console and counted in `/metrics`.

pub mod address;
pub mod builder;
pub mod decode;
pub mod feeds;
pub mod fetch;
pub mod poll;
#[allow(
    missing_docs,
    clippy::all,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    reason = "generated once by prost-build from gtfs-realtime.proto; kept as generated"
)]
pub mod proto;
pub mod routes;
pub mod state;

pub use poll::{Realtime, poll_task};

#[cfg(test)]
mod tests;
