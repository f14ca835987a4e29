//! The vehicle seat code: the label stuck once on a seat of a train set.
//!
//! Layout (25 bytes, big-endian, base32 in upper case like the trip code, so
//! the URL fits the same QR code): format version 2 (1), key id (1),
//! operator tag (4), vehicle (4), car (1), seat (2), label generation (2),
//! then the first 10 bytes of HMAC-SHA256 over the 15 bytes before it.
//!
//! No trip and no window: the scan finds the trip the vehicle runs now. The
//! operator tag (the first 4 bytes of SHA-256 of the operator's account id)
//! must match the vehicle's owner, and the generation the seat's current
//! label: reprinting a seat bumps it, and the old label is refused. Since a
//! label has no end, a retired signing key keeps verifying vehicle codes as
//! long as the keyring holds it, which is as long as a live train set's
//! labels are minted with it (revoking a key ends them).

use sha2::{Digest, Sha256};

use super::claims::{Car, Claims, Seat};
use super::error::SeatCodeError;
use super::keyring::{Keyring, SigningKey};
use super::token::{BODY_LEN, RAW_LEN, SeatToken, open, seal, trip_claims};

const FORMAT_VEHICLE: u8 = 2;
const FORMAT_TRIP: u8 = 1;

/// What a vehicle seat code says; the MAC makes it unforgeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VehicleClaims {
    /// [`operator_tag`] of the owning operator's account id.
    pub operator: u32,
    /// trajet's numeric id of the vehicle.
    pub vehicle: u32,
    /// The car (1–255).
    pub car: Car,
    /// The seat in the car (from 1).
    pub seat: Seat,
    /// The label's generation: 0 when first printed, +1 per reprint.
    pub generation: u16,
}

/// A verified code of either kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatCode {
    /// A trip code: one trip, a window.
    Trip(Claims),
    /// A vehicle code: a seat of a train set, whatever trip it runs.
    Vehicle(VehicleClaims),
}

/// The 4-byte tag of an operator's account id that vehicle codes carry.
pub fn operator_tag(operator: &str) -> u32 {
    let digest = Sha256::digest(operator.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Signs a vehicle seat's claims with the keyring's current key.
pub fn mint_vehicle(keyring: &Keyring, claims: &VehicleClaims) -> SeatToken {
    mint_vehicle_with(keyring.signer(), claims)
}

/// Signs a vehicle seat's claims with `key`: the key its train set's labels
/// are bound to, which may have retired since (labels have no end).
pub fn mint_vehicle_with(key: &SigningKey, claims: &VehicleClaims) -> SeatToken {
    let mut b = [0u8; BODY_LEN];
    b[0] = FORMAT_VEHICLE;
    b[1] = key.id();
    b[2..6].copy_from_slice(&claims.operator.to_be_bytes());
    b[6..10].copy_from_slice(&claims.vehicle.to_be_bytes());
    b[10] = claims.car.0;
    b[11..13].copy_from_slice(&claims.seat.0.to_be_bytes());
    b[13..15].copy_from_slice(&claims.generation.to_be_bytes());
    seal(key, b)
}

/// Checks a code of either kind (form, key, MAC) and returns what it says.
/// Like [`super::verify`], it does not look at the clock nor at any stored
/// state: the scan checks the trip's window, the vehicle's owner and the
/// seat's generation.
pub fn verify_any(keyring: &Keyring, token: &str) -> Result<SeatCode, SeatCodeError> {
    let (raw, key) = open(keyring, token)?;
    match raw[0] {
        FORMAT_TRIP => trip_claims(&raw, key).map(SeatCode::Trip),
        FORMAT_VEHICLE => parse(&raw).map(SeatCode::Vehicle),
        _ => Err(SeatCodeError::UnknownVersion),
    }
}

fn parse(raw: &[u8; RAW_LEN]) -> Result<VehicleClaims, SeatCodeError> {
    let u16_at = |i: usize| u16::from_be_bytes([raw[i], raw[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
    let claims = VehicleClaims {
        operator: u32_at(2),
        vehicle: u32_at(6),
        car: Car(raw[10]),
        seat: Seat(u16_at(11)),
        generation: u16_at(13),
    };
    if claims.car == Car::NONE || claims.seat == Seat::WHOLE_TRIP {
        return Err(SeatCodeError::Malformed);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seat_codes::qr::QrMatrix;
    use crate::seat_codes::seat_code_url;

    const NOW: i64 = 1_800_000_000;

    fn claims() -> VehicleClaims {
        VehicleClaims {
            operator: operator_tag("op-1234"),
            vehicle: 24_571,
            car: Car(4),
            seat: Seat(96),
            generation: 3,
        }
    }

    #[test]
    fn a_vehicle_code_verifies_to_its_claims() {
        let keys = Keyring::with_secret_for_tests([7; 32], NOW);
        let token = mint_vehicle(&keys, &claims());
        assert_eq!(token.as_str().len(), 40);
        assert_eq!(
            verify_any(&keys, token.as_str()),
            Ok(SeatCode::Vehicle(claims()))
        );
        // Trip codes' own verification refuses it.
        assert!(crate::seat_codes::verify(&keys, token.as_str()).is_err());
    }

    #[test]
    fn an_altered_vehicle_code_is_refused() {
        let keys = Keyring::with_secret_for_tests([7; 32], NOW);
        let token = mint_vehicle(&keys, &claims()).as_str().to_owned();
        let mut altered = token.into_bytes();
        altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(
            verify_any(&keys, &altered),
            Err(SeatCodeError::BadSignature)
        );
        let other = Keyring::with_secret_for_tests([8; 32], NOW);
        let token = mint_vehicle(&keys, &claims());
        assert!(verify_any(&other, token.as_str()).is_err());
    }

    #[test]
    fn a_vehicle_code_url_fits_a_version_5_qr_code_at_level_q() {
        let keys = Keyring::with_secret_for_tests([7; 32], NOW);
        let token = mint_vehicle(&keys, &claims());
        let url = seat_code_url("https://lire.example-rail.fr", &token);
        let qr = QrMatrix::encode(&url).unwrap();
        assert!(qr.version() <= 5, "version {}", qr.version());
    }

    #[test]
    fn the_operator_tag_tells_operators_apart() {
        assert_ne!(operator_tag("op-a"), operator_tag("op-b"));
        assert_eq!(operator_tag("op-a"), operator_tag("op-a"));
    }
}
