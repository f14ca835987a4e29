//! The signing keys in the database, sealed under the master key file.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{NOW, claims};
use crate::db::Database;
use crate::db::testing::on_both_databases;
use crate::seat_codes::keyring::{KEY_HORIZON_DAYS, Keyring};
use crate::seat_codes::{KeyStore, MASTER_KEY_FILE, SeatCodeError, mint, verify};

async fn first_start_creates_a_master_key_only_the_owner_can_read(db: Database, dir: &Path) {
    let master = dir.join(MASTER_KEY_FILE);
    KeyStore::open(&db, &master, NOW).await.unwrap();
    assert_eq!(
        fs::metadata(&master).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let folder = master.parent().unwrap();
    assert_eq!(
        fs::metadata(folder).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let names: Vec<_> = fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("master.key")],
        "no staged file is left"
    );
}

/// The database holds the secret sealed: its bytes appear nowhere in it.
async fn the_database_never_holds_a_secret_in_clear(db: Database, dir: &Path) {
    let store = KeyStore::open(&db, &dir.join(MASTER_KEY_FILE), NOW)
        .await
        .unwrap();
    let keyring = store.keyring();
    let secret = data_encoding::HEXLOWER.encode(keyring.signer().secret());
    let sealed: Vec<String> = sqlx::query_scalar("SELECT sealed_secret FROM signing_keys")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].contains(&secret));
    assert!(!format!("{store:?}").contains(&secret));
    assert!(!format!("{keyring:?}").contains(&secret));
}

async fn restart_keeps_the_same_keys(db: Database, dir: &Path) {
    let master = dir.join(MASTER_KEY_FILE);
    let first = KeyStore::open(&db, &master, NOW).await.unwrap();
    let token = mint(&first.keyring(), &claims(9, 1, 1), NOW).unwrap();
    let reopened = KeyStore::open(&db, &master, NOW + 60).await.unwrap();
    assert_eq!(
        verify(&reopened.keyring(), token.as_str()),
        Ok(claims(9, 1, 1))
    );
}

/// Another instance with another master key cannot open the keys, and says why.
async fn another_master_key_is_refused_clearly(db: Database, dir: &Path) {
    KeyStore::open(&db, &dir.join("a/master.key"), NOW)
        .await
        .unwrap();
    let error = KeyStore::open(&db, &dir.join("b/master.key"), NOW)
        .await
        .unwrap_err();
    assert!(
        format!("{error:#}").contains("same master key file"),
        "{error:#}"
    );
    fs::write(dir.join("c.key"), b"short").unwrap();
    let error = KeyStore::open(&db, &dir.join("c.key"), NOW)
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("not 32"), "{error:#}");
}

/// A rotation by one process (the CLI) reaches another on its next refresh;
/// old codes stay valid.
async fn rotation_signs_with_a_new_key_and_old_codes_stay_valid(db: Database, dir: &Path) {
    let master = dir.join(MASTER_KEY_FILE);
    let service = KeyStore::open(&db, &master, NOW).await.unwrap();
    let cli = KeyStore::open(&db, &master, NOW).await.unwrap();
    let old = mint(&service.keyring(), &claims(9, 1, 1), NOW).unwrap();
    let unchanged = db.generations().await.unwrap();
    assert!(!service.refresh(&unchanged).await.unwrap());
    let new_id = cli.rotate(NOW + 60).await.unwrap();
    assert!(
        service
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    let keys = service.keyring();
    assert_eq!(keys.signer().id(), new_id);
    assert_ne!(mint(&keys, &claims(9, 1, 1), NOW).unwrap(), old);
    assert_eq!(verify(&keys, old.as_str()), Ok(claims(9, 1, 1)));
}

/// Revocation refuses every code the key signed, at once here and on the
/// next refresh elsewhere; revoking the signer rotates first.
async fn a_revoked_key_verifies_nothing(db: Database, dir: &Path) {
    let master = dir.join(MASTER_KEY_FILE);
    let service = KeyStore::open(&db, &master, NOW).await.unwrap();
    let cli = KeyStore::open(&db, &master, NOW).await.unwrap();
    let leaked = service.keyring().signer().id();
    let token = mint(&service.keyring(), &claims(9, 1, 1), NOW).unwrap();
    let revocation = cli.revoke(leaked, NOW + 60).await.unwrap();
    assert_ne!(revocation.signer, leaked, "the signer was replaced");
    assert_eq!(revocation.signed_until, NOW + 60, "it signed until now");
    assert_eq!(
        verify(&cli.keyring(), token.as_str()),
        Err(SeatCodeError::UnknownKey)
    );
    assert!(
        service
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    assert_eq!(
        verify(&service.keyring(), token.as_str()),
        Err(SeatCodeError::UnknownKey)
    );
    let fresh = mint(&service.keyring(), &claims(9, 1, 1), NOW).unwrap();
    assert_eq!(verify(&cli.keyring(), fresh.as_str()), Ok(claims(9, 1, 1)));
    // The revoked id is never given to a new key while its row is kept.
    for minute in 2..6 {
        let id = cli.rotate(NOW + 60 * minute).await.unwrap();
        assert_ne!(id, leaked);
    }
    assert!(
        cli.revoke(200, NOW).await.is_err(),
        "an unknown id is an error"
    );
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
fn a_key_held_by_live_labels_is_kept_past_its_horizon_for_them_only() {
    let mut keys = Keyring::generate(NOW).unwrap();
    let first = keys.signer().id();
    let trip_code = mint(&keys, &claims(9, 1, 1), NOW).unwrap();
    keys.rotate(NOW).unwrap();
    let horizon = i64::from(KEY_HORIZON_DAYS) * 86_400;
    keys.rotate_keeping(NOW + horizon + 1, |_| false, |id| id == first)
        .unwrap();
    assert!(keys.key(first).is_some(), "held by a train set's labels");
    assert_eq!(keys.keys().len(), 3);
    // Kept for labels, it still vouches for no trip window past its horizon.
    assert!(!keys.key(first).unwrap().covers(NOW + horizon + 60));
    assert_eq!(verify(&keys, trip_code.as_str()), Ok(claims(9, 1, 1)));
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
fn a_keyring_without_exactly_one_signer_is_refused() {
    let mut keys = Keyring::generate(NOW).unwrap();
    keys.rotate(NOW).unwrap();
    let retired: Vec<_> = keys
        .keys()
        .iter()
        .filter(|k| k.retired_at().is_some())
        .cloned()
        .collect();
    assert!(Keyring::from_keys(retired).is_err());
    assert!(Keyring::from_keys(keys.keys().to_vec()).is_ok());
    let twice = [keys.keys().to_vec(), keys.keys().to_vec()].concat();
    assert!(Keyring::from_keys(twice).is_err());
}

on_both_databases!(
    first_start_creates_a_master_key_only_the_owner_can_read,
    the_database_never_holds_a_secret_in_clear,
    restart_keeps_the_same_keys,
    another_master_key_is_refused_clearly,
    rotation_signs_with_a_new_key_and_old_codes_stay_valid,
    a_revoked_key_verifies_nothing
);
