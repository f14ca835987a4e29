//! The seat code token: 25 bytes, base32 in upper case (40 characters).
//! This is the trip code (format 1); `vehicle_token.rs` holds the vehicle
//! code (format 2), which shares the length, key id and MAC.
//!
//! Layout (big-endian): format version (1), key id (1), trip (4), seat (2),
//! car (1), window start in minutes since the epoch (4), window length in
//! minutes (2), then the first 10 bytes (80 bits) of HMAC-SHA256 over the
//! 15 bytes before it. Upper-case base32 lets a QR code store the whole URL
//! in alphanumeric mode; 25 bytes make 40 characters with no padding.

use super::claims::{Car, Claims, Seat, Window};
use super::error::SeatCodeError;
use super::keyring::{KEY_HORIZON_DAYS, Keyring, SigningKey};
use data_encoding::BASE32_NOPAD;
use std::fmt;
use subtle::ConstantTimeEq;

/// The length of a token in characters.
pub const TOKEN_LEN: usize = 40;
const FORMAT_V1: u8 = 1;
pub(super) const BODY_LEN: usize = 15;
const MAC_LEN: usize = 10;
pub(super) const RAW_LEN: usize = BODY_LEN + MAC_LEN;

/// A minted token, as printed in the seat code URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeatToken(String);

impl SeatToken {
    /// The token text (base32, upper case).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SeatToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Signs `claims` with the keyring's current key. `now` (Unix seconds) bounds
/// how far ahead the window may end, which is what lets retired keys expire.
pub fn mint(keyring: &Keyring, claims: &Claims, now: i64) -> Result<SeatToken, SeatCodeError> {
    let horizon = i64::from(KEY_HORIZON_DAYS) * 86_400;
    if claims.window.end_unix() > now.saturating_add(horizon) {
        return Err(SeatCodeError::WindowTooFar {
            max_days: KEY_HORIZON_DAYS,
        });
    }
    let key = keyring.signer();
    Ok(seal(key, body(key.id(), claims)))
}

/// Checks a token's form, key and MAC and returns what it says. The window is
/// not compared with the clock here, nor is the trip's state: callers answer
/// those cases differently (not yet open, ended, cancelled).
pub fn verify(keyring: &Keyring, token: &str) -> Result<Claims, SeatCodeError> {
    let (raw, key) = open(keyring, token)?;
    trip_claims(&raw, key)
}

/// The claims of an opened trip code (format 1), if `key` vouches for its window.
pub(super) fn trip_claims(raw: &[u8; RAW_LEN], key: &SigningKey) -> Result<Claims, SeatCodeError> {
    if raw[0] != FORMAT_V1 {
        return Err(SeatCodeError::UnknownVersion);
    }
    let claims = parse_body(raw)?;
    if !key.covers(claims.window.end_unix()) {
        return Err(SeatCodeError::UnknownKey);
    }
    Ok(claims)
}

/// Decodes a token of any format and checks its key and MAC: the bytes it
/// carries and the key that signed them. Every format is 25 bytes whose
/// first byte is the format version, second the key id, and last 10 the MAC
/// of the 15 before.
pub(super) fn open<'k>(
    keyring: &'k Keyring,
    token: &str,
) -> Result<([u8; RAW_LEN], &'k SigningKey), SeatCodeError> {
    if token.len() != TOKEN_LEN {
        return Err(SeatCodeError::Malformed);
    }
    let raw = BASE32_NOPAD
        .decode(token.as_bytes())
        .map_err(|_| SeatCodeError::Malformed)?;
    let raw: [u8; RAW_LEN] = raw.try_into().map_err(|_| SeatCodeError::Malformed)?;
    let key = keyring.key(raw[1]).ok_or(SeatCodeError::UnknownKey)?;
    let tag = key.tag(&raw[..BODY_LEN]);
    // Constant time: how many leading bytes match must not show in the timing.
    if !bool::from(tag[..MAC_LEN].ct_eq(&raw[BODY_LEN..])) {
        return Err(SeatCodeError::BadSignature);
    }
    Ok((raw, key))
}

/// Signs a 15-byte body (format and key id first) with `key`: the token text.
pub(super) fn seal(key: &SigningKey, body: [u8; BODY_LEN]) -> SeatToken {
    let mut raw = [0u8; RAW_LEN];
    raw[..BODY_LEN].copy_from_slice(&body);
    let tag = key.tag(&raw[..BODY_LEN]);
    raw[BODY_LEN..].copy_from_slice(&tag[..MAC_LEN]);
    SeatToken(BASE32_NOPAD.encode(&raw))
}

fn body(key_id: u8, claims: &Claims) -> [u8; BODY_LEN] {
    let mut b = [0u8; BODY_LEN];
    b[0] = FORMAT_V1;
    b[1] = key_id;
    b[2..6].copy_from_slice(&claims.trip.to_be_bytes());
    b[6..8].copy_from_slice(&claims.seat.0.to_be_bytes());
    b[8] = claims.car.0;
    b[9..13].copy_from_slice(&claims.window.start_minutes().to_be_bytes());
    b[13..15].copy_from_slice(&claims.window.length_minutes().to_be_bytes());
    b
}

fn parse_body(raw: &[u8; RAW_LEN]) -> Result<Claims, SeatCodeError> {
    let u16_at = |i: usize| u16::from_be_bytes([raw[i], raw[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
    let window = Window::from_parts(u32_at(9), u16_at(13)).ok_or(SeatCodeError::Malformed)?;
    Ok(Claims {
        trip: u32_at(2),
        seat: Seat(u16_at(6)),
        car: Car(raw[8]),
        window,
    })
}

#[cfg(test)]
impl SeatToken {
    /// A token with arbitrary text, for tests of code that only formats it.
    pub(crate) fn from_raw_for_tests(text: &str) -> Self {
        Self(text.to_owned())
    }
}
