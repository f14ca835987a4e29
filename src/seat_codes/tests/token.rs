use super::{NOW, claims, keyring};
use crate::seat_codes::keyring::KEY_HORIZON_DAYS;
use crate::seat_codes::token::TOKEN_LEN;
use crate::seat_codes::{SeatCodeError, Window, mint, verify};
use data_encoding::BASE32_NOPAD;
use proptest::prelude::*;

#[test]
fn minted_token_verifies_to_its_claims() {
    let keys = keyring();
    let c = claims(4_000_000_001, 42, 3);
    let token = mint(&keys, &c, NOW).unwrap();
    assert_eq!(token.as_str().len(), TOKEN_LEN);
    assert_eq!(verify(&keys, token.as_str()), Ok(c));
}

#[test]
fn token_is_upper_case_base32_only() {
    let token = mint(&keyring(), &claims(7, 1, 0), NOW).unwrap();
    assert!(
        token
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
}

#[test]
fn token_of_another_keyring_is_refused() {
    let token = mint(&keyring(), &claims(7, 1, 0), NOW).unwrap();
    let err = verify(&keyring(), token.as_str()).unwrap_err();
    assert_eq!(err, SeatCodeError::BadSignature);
    assert_eq!(err.code(), "seat-code-invalid");
}

#[test]
fn lower_case_token_is_refused() {
    let keys = keyring();
    let token = mint(&keys, &claims(7, 1, 0), NOW).unwrap();
    let lower = token.as_str().to_ascii_lowercase();
    assert_eq!(verify(&keys, &lower), Err(SeatCodeError::Malformed));
}

#[test]
fn window_ending_beyond_the_key_horizon_is_not_minted() {
    let start = NOW + i64::from(KEY_HORIZON_DAYS) * 86_400;
    let window = Window::from_unix_seconds(start, start + 3_600).unwrap();
    let c = crate::seat_codes::Claims {
        window,
        ..claims(7, 1, 0)
    };
    let err = mint(&keyring(), &c, NOW).unwrap_err();
    assert_eq!(err.code(), "seat-code-window-too-far");
}

#[test]
fn unknown_format_version_is_refused() {
    let keys = keyring();
    let raw = raw_of(&keys, &claims(7, 1, 0));
    let mut body: [u8; 15] = raw[..15].try_into().unwrap();
    body[0] = 9;
    let resigned = crate::seat_codes::token::seal(keys.signer(), body);
    assert_eq!(
        verify(&keys, resigned.as_str()),
        Err(SeatCodeError::UnknownVersion)
    );
    // A vehicle code (format 2) is no trip code either.
    body[0] = 2;
    let vehicle = crate::seat_codes::token::seal(keys.signer(), body);
    assert_eq!(
        verify(&keys, vehicle.as_str()),
        Err(SeatCodeError::UnknownVersion)
    );
}

fn raw_of(keys: &crate::seat_codes::Keyring, c: &crate::seat_codes::Claims) -> Vec<u8> {
    BASE32_NOPAD
        .decode(mint(keys, c, NOW).unwrap().as_str().as_bytes())
        .unwrap()
}

proptest! {
    #[test]
    fn any_flipped_bit_is_refused(trip: u32, seat: u16, car: u8, bit in 0usize..200) {
        let keys = keyring();
        let mut raw = raw_of(&keys, &claims(trip, seat, car));
        raw[bit / 8] ^= 0x80 >> (bit % 8);
        let err = verify(&keys, &BASE32_NOPAD.encode(&raw)).unwrap_err();
        prop_assert_eq!(err.code(), "seat-code-invalid");
    }

    #[test]
    fn truncated_token_is_refused(trip: u32, seat: u16, keep in 0usize..TOKEN_LEN) {
        let keys = keyring();
        let token = mint(&keys, &claims(trip, seat, 1), NOW).unwrap();
        prop_assert_eq!(verify(&keys, &token.as_str()[..keep]), Err(SeatCodeError::Malformed));
    }

    #[test]
    fn extended_token_is_refused(trip: u32, seat: u16, extra in "[A-Z2-7]{1,16}") {
        let keys = keyring();
        let token = mint(&keys, &claims(trip, seat, 1), NOW).unwrap();
        let longer = format!("{token}{extra}");
        prop_assert_eq!(verify(&keys, &longer), Err(SeatCodeError::Malformed));
    }

    #[test]
    fn wrong_key_id_is_refused(trip: u32, seat: u16, other_id: u8) {
        let keys = keyring();
        let mut raw = raw_of(&keys, &claims(trip, seat, 1));
        prop_assume!(other_id != raw[1]);
        raw[1] = other_id;
        let err = verify(&keys, &BASE32_NOPAD.encode(&raw)).unwrap_err();
        prop_assert_eq!(err.code(), "seat-code-invalid");
    }

    #[test]
    fn mac_of_another_trip_is_refused(trip: u32, other: u32, seat: u16) {
        prop_assume!(trip != other);
        let keys = keyring();
        let mut raw = raw_of(&keys, &claims(trip, seat, 1));
        let donor = raw_of(&keys, &claims(other, seat, 1));
        raw[15..].copy_from_slice(&donor[15..]);
        prop_assert_eq!(verify(&keys, &BASE32_NOPAD.encode(&raw)), Err(SeatCodeError::BadSignature));
    }

    #[test]
    fn non_base32_character_is_refused(
        trip: u32,
        at in 0usize..TOKEN_LEN,
        bad in "[^A-Z2-7]",
    ) {
        let keys = keyring();
        let token = mint(&keys, &claims(trip, 5, 1), NOW).unwrap();
        let mut text = token.as_str().to_owned();
        text.replace_range(at..at + 1, &bad);
        prop_assert_eq!(verify(&keys, &text), Err(SeatCodeError::Malformed));
    }
}
