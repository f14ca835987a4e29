//! The key file `keys/signing.json` in the data directory, shared between the
//! running service and the `trajet admin rotate-signing-key` command.

use super::keyring::Keyring;
use crate::data_dir::{DataDir, sync_dir, write_atomic};
use anyhow::Context;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Where the signing keys live, relative to the data directory.
pub const SIGNING_KEYS_FILE: &str = "keys/signing.json";

/// The service's view of the key file, refreshed by [`KeyStore::reload_if_changed`].
#[derive(Debug)]
pub struct KeyStore {
    path: PathBuf,
    /// Swapped whole on reload; readers clone the `Arc` and never wait on I/O.
    keyring: RwLock<Arc<Keyring>>,
    /// Identity of the file last loaded (a rotation renames a new inode in).
    seen: Mutex<Option<Stamp>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    len: u64,
    mtime_ns: i128,
}

impl KeyStore {
    /// Loads the keys, generating the first one when the data directory has none.
    pub fn open(data: &DataDir, now: i64) -> anyhow::Result<Self> {
        let path = data.path(SIGNING_KEYS_FILE);
        if !path.exists() {
            let fresh = Keyring::generate(now)?;
            // Another process may create the file at the same moment: only
            // one creation wins, and both then load the winner.
            write_private(&path, &fresh.to_json(), true).context("creating the signing key")?;
        }
        let stamp = stamp(&path).with_context(|| format!("reading {}", path.display()))?;
        let keyring = load(&path)?;
        Ok(Self {
            path,
            keyring: RwLock::new(Arc::new(keyring)),
            seen: Mutex::new(Some(stamp)),
        })
    }

    /// The keys as of the last load.
    pub fn keyring(&self) -> Arc<Keyring> {
        self.keyring.read().expect("keyring lock poisoned").clone()
    }

    /// Reloads the key file if it changed since the last load; cheap (one
    /// `stat`) when it did not, so the service can call it twice a second.
    /// On a bad file the previous keys stay in use and the error is returned once.
    pub fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let now = stamp(&self.path).with_context(|| format!("reading {}", self.path.display()))?;
        {
            let mut seen = self.seen.lock().expect("stamp lock poisoned");
            if *seen == Some(now) {
                return Ok(false);
            }
            *seen = Some(now);
        }
        let keyring = load(&self.path)?;
        *self.keyring.write().expect("keyring lock poisoned") = Arc::new(keyring);
        Ok(true)
    }
}

/// Adds a new signing key to the data directory's key file (creating the file
/// when missing) and returns its id. The running service picks it up on its
/// next [`KeyStore::reload_if_changed`].
pub fn rotate_signing_key(data: &DataDir, now: i64) -> anyhow::Result<u8> {
    let path = data.path(SIGNING_KEYS_FILE);
    let mut keyring = if path.exists() {
        load(&path)?
    } else {
        Keyring::generate(now)?
    };
    let id = keyring.rotate(now)?;
    write_private(&path, &keyring.to_json(), false).context("writing the signing keys")?;
    Ok(id)
}

fn load(path: &Path) -> anyhow::Result<Keyring> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Keyring::from_json(&bytes).with_context(|| format!("loading {}", path.display()))
}

fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = fs::metadata(path)?;
    let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    Ok(Stamp {
        inode: meta.ino(),
        len: meta.len(),
        mtime_ns,
    })
}

/// Writes a secret file readable by its owner only, in a directory only the
/// owner can enter, so the secret is never exposed even while staged.
/// With `exclusive`, an existing file is left alone (first writer wins).
fn write_private(path: &Path, bytes: &[u8], exclusive: bool) -> io::Result<()> {
    let dir = path.parent().expect("the key file is inside a directory");
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    let nonce: u64 = rand::random();
    let staged = dir.join(format!(".signing.{nonce:016x}.new"));
    write_atomic(&staged, bytes)?;
    fs::set_permissions(&staged, fs::Permissions::from_mode(0o600))?;
    let placed = if exclusive {
        // A hard link fails when the name exists, unlike a rename.
        match fs::hard_link(&staged, path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
        .and_then(|()| fs::remove_file(&staged))
    } else {
        fs::rename(&staged, path)
    };
    if placed.is_err() {
        let _ = fs::remove_file(&staged);
    }
    placed?;
    sync_dir(dir)
}
