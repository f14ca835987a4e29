//! trajet: a reading service for trains.
//!
//! A passenger scans the seat code, gets a session that ends with the trip,
//! and reads the excerpts that publishers allow on this line.

pub mod data_dir;
