//! Seat codes: signed tokens naming a trip and seat (or a seat of a train
//! set), their URL, QR images and print-ready label sheets. Plain Rust; the HTTP routes live in `routes.rs`.

pub mod batch;
pub mod claims;
pub mod error;
pub mod keyring;
pub mod keystore;
pub mod qr;
pub mod routes;
pub(crate) mod routes_support;
pub mod seats;
pub mod sheet;
pub mod token;
pub mod url;
pub mod vehicle_token;

#[cfg(test)]
mod tests;

pub use claims::{Car, Claims, Seat, Window, WindowStatus};
pub use error::SeatCodeError;
pub use keyring::Keyring;
pub use keystore::{KeyStore, MASTER_KEY_FILE, Revocation};
pub use seats::{SeatList, SeatRangeError};
pub use token::{SeatToken, mint, verify};
pub use url::seat_code_url;
pub use vehicle_token::{
    SeatCode, VehicleClaims, mint_vehicle, mint_vehicle_with, operator_tag, verify_any,
};

/// The current time in Unix seconds, as minting and rotation expect it.
pub fn unix_now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| d.as_secs() as i64)
}
