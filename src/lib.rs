//! trajet: a reading service for trains.
//!
//! A passenger scans the seat code, gets a session that ends with the trip,
//! and reads the excerpts that publishers allow on this line.

/// Every binary linking trajet (the server, the CLI, the load-test helpers and
/// the reference server) allocates with mimalloc: callgrind measured glibc's
/// malloc and free at a quarter of the chapter route's instructions (14.5k of
/// 60k per request; 3.6k with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A hash map for the in-memory indexes read on every passenger request
/// (hot bodies, trips by id, servable titles): foldhash, seeded per process,
/// instead of SipHash, which cost ~1.8k instructions per chapter request.
/// Keys come from trajet (ids it minted or validated), and requests only look
/// keys up, so they cannot fill a map with colliding entries.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub mod accounts;
pub mod app;
pub mod assets;
pub mod auth;
pub mod background;
pub mod catalog;
pub mod catalog_sample;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod db;
pub mod error;
pub mod excerpts;
/// What tests need from outside the repository (corpus, schemas, tools): found, or a recorded skip.
#[cfg(test)]
#[path = "../tests/support/external.rs"]
mod external;
pub mod http;
pub mod lang;
pub mod lines;
pub mod memory;
pub mod metrics;
/// A real PostgreSQL server for the repositories' contract tests.
#[cfg(test)]
#[path = "../tests/support/postgres.rs"]
mod postgres;
pub mod publications;
pub mod reader;
pub mod realtime;
pub mod reports;
pub mod router;
pub mod sample;
pub mod seat_codes;
pub mod server;
pub mod service;
pub mod sessions;
pub mod static_files;
pub mod telemetry;
pub mod trips;
pub mod usage;
pub mod vehicles;
