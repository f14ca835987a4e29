use super::{NOW, claims};
use crate::data_dir::DataDir;
use crate::seat_codes::keyring::{KEY_HORIZON_DAYS, Keyring};
use crate::seat_codes::keystore::SIGNING_KEYS_FILE;
use crate::seat_codes::{KeyStore, SeatCodeError, mint, rotate_signing_key, verify};
use std::fs;
use std::os::unix::fs::PermissionsExt;

fn data_dir() -> (tempfile::TempDir, DataDir) {
    let tmp = tempfile::tempdir().unwrap();
    let data = DataDir::open(tmp.path().join("data")).unwrap();
    (tmp, data)
}

#[test]
fn first_start_creates_a_key_file_only_the_owner_can_read() {
    let (_tmp, data) = data_dir();
    KeyStore::open(&data, NOW).unwrap();
    let file = data.path(SIGNING_KEYS_FILE);
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let dir = file.parent().unwrap();
    assert_eq!(
        fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("signing.json")],
        "no staged file is left"
    );
}

#[test]
fn restart_keeps_the_same_keys() {
    let (_tmp, data) = data_dir();
    let token = mint(
        &KeyStore::open(&data, NOW).unwrap().keyring(),
        &claims(9, 1, 1),
        NOW,
    )
    .unwrap();
    let reopened = KeyStore::open(&data, NOW + 60).unwrap();
    assert_eq!(
        verify(&reopened.keyring(), token.as_str()),
        Ok(claims(9, 1, 1))
    );
}

#[test]
fn rotation_signs_with_a_new_key_and_old_codes_stay_valid() {
    let (_tmp, data) = data_dir();
    let store = KeyStore::open(&data, NOW).unwrap();
    let old = mint(&store.keyring(), &claims(9, 1, 1), NOW).unwrap();
    let new_id = rotate_signing_key(&data, NOW + 60).unwrap();
    assert!(store.reload_if_changed().unwrap(), "the rotation is seen");
    let keys = store.keyring();
    assert_eq!(keys.signer().id(), new_id);
    assert_ne!(mint(&keys, &claims(9, 1, 1), NOW).unwrap(), old);
    assert_eq!(verify(&keys, old.as_str()), Ok(claims(9, 1, 1)));
}

#[test]
fn unchanged_key_file_is_not_reloaded() {
    let (_tmp, data) = data_dir();
    let store = KeyStore::open(&data, NOW).unwrap();
    assert!(!store.reload_if_changed().unwrap());
    rotate_signing_key(&data, NOW).unwrap();
    assert!(store.reload_if_changed().unwrap());
    assert!(!store.reload_if_changed().unwrap());
}

#[test]
fn corrupt_key_file_keeps_the_loaded_keys() {
    let (_tmp, data) = data_dir();
    let store = KeyStore::open(&data, NOW).unwrap();
    let signer = store.keyring().signer().id();
    fs::write(data.path(SIGNING_KEYS_FILE), b"{ not json").unwrap();
    assert!(store.reload_if_changed().is_err());
    assert_eq!(store.keyring().signer().id(), signer);
}

#[test]
fn retired_key_is_dropped_once_its_codes_have_all_ended() {
    let mut keys = Keyring::generate(NOW).unwrap();
    let first = keys.signer().id();
    keys.rotate(NOW).unwrap();
    assert!(keys.key(first).is_some());
    let horizon = i64::from(KEY_HORIZON_DAYS) * 86_400;
    keys.rotate(NOW + horizon + 1).unwrap();
    assert!(keys.key(first).is_none());
    assert_eq!(keys.keys().len(), 2);
}

#[test]
fn retired_key_does_not_vouch_for_windows_past_its_horizon() {
    let mut keys = Keyring::generate(NOW).unwrap();
    let token = mint(&keys, &claims(9, 1, 1), NOW).unwrap();
    // Retired so long ago that it cannot have signed a window ending next week.
    keys.rotate(NOW - i64::from(KEY_HORIZON_DAYS - 1) * 86_400)
        .unwrap();
    assert_eq!(
        verify(&keys, token.as_str()),
        Err(SeatCodeError::UnknownKey)
    );
}

#[test]
fn debug_output_never_shows_a_secret() {
    let (_tmp, data) = data_dir();
    let store = KeyStore::open(&data, NOW).unwrap();
    let file = fs::read_to_string(data.path(SIGNING_KEYS_FILE)).unwrap();
    let secret = file
        .split("\"secret_hex\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(secret.len(), 64);
    assert!(!format!("{store:?}").contains(secret));
    assert!(!format!("{:?}", store.keyring()).contains(secret));
}

#[test]
fn key_file_without_a_signer_is_refused() {
    let mut keys = Keyring::generate(NOW).unwrap();
    keys.rotate(NOW).unwrap();
    let json = String::from_utf8(keys.to_json())
        .unwrap()
        .replace("\"retired_at_unix\": null", "\"retired_at_unix\": 1");
    assert!(Keyring::from_json(json.as_bytes()).is_err());
}
