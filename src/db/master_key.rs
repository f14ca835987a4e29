//! The master key: 32 random bytes in a file readable by its owner only
//! (`keys/master.key` in the data directory, created on first start, or the
//! file named by `TRAJET_MASTER_KEY_FILE`, which instances sharing a database
//! share). Secrets kept in the database (the seat-code signing keys, the
//! console cookie key) are sealed under it with ChaCha20-Poly1305, bound to
//! what they are: a copy of the database alone reveals none of them. Losing
//! the master key means new secrets (signed-in consoles sign in again,
//! printed labels are reprinted), which is why its errors say so.

use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use data_encoding::HEXLOWER;
use rand::TryRngCore;

use crate::config::Secret;

/// The key that seals the secrets kept in the database.
pub struct MasterKey {
    path: PathBuf,
    cipher: ChaCha20Poly1305,
}

impl MasterKey {
    /// Reads the master key file, creating it (0600, in a 0700 folder) only
    /// when missing: any other read failure stops the start.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut fresh = [0u8; 32];
                rand::rngs::OsRng
                    .try_fill_bytes(&mut fresh)
                    .context("reading the operating system's random source")?;
                write_private(path, &fresh).context("creating the master key")?;
                // Another process may have raced us: the first one won; read it.
                std::fs::read(path)?
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("reading the master key {}", path.display())));
            }
        };
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "the master key {} holds {} bytes, not 32: restore it from your backup",
                path.display(),
                bytes.len()
            )
        })?;
        let key = Secret::new(key);
        Ok(Self {
            path: path.to_owned(),
            cipher: ChaCha20Poly1305::new(key.expose().into()),
        })
    }

    fn aad(label: &str) -> Vec<u8> {
        format!("trajet {label}").into_bytes()
    }

    /// `hex(nonce ‖ ciphertext ‖ tag)`, bound to `label` (what the secret is).
    pub fn seal(&self, label: &str, secret: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .context("reading the operating system's random source")?;
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: &Self::aad(label),
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing the {label} failed"))?;
        Ok(HEXLOWER.encode(&[nonce.as_slice(), &sealed].concat()))
    }

    /// The secret sealed as `label`, or an error saying which master key is needed.
    pub fn unseal(&self, label: &str, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let refused = || {
            anyhow::anyhow!(
                "the {label} in the database cannot be opened with the master key {}: \
                 every instance sharing this database needs the same master key file \
                 (TRAJET_MASTER_KEY_FILE); if it is lost, restore it from a backup",
                self.path.display()
            )
        };
        let bytes = HEXLOWER.decode(sealed.as_bytes()).map_err(|_| refused())?;
        if bytes.len() < 12 {
            return Err(refused());
        }
        let (nonce, sealed) = bytes.split_at(12);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &Self::aad(label),
                },
            )
            .map_err(|_| refused())
    }
}

/// Writes a secret file readable by its owner only, in a directory only the
/// owner can enter, so the secret is never exposed even while staged; an
/// existing file is left alone (first writer wins), and a crash leaves either
/// no file or the whole one.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = path.parent().expect("the key file is inside a directory");
    if !dir.exists() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let staged = dir.join(format!(".master.{:016x}.new", rand::random::<u64>()));
    crate::data_dir::write_atomic(&staged, bytes)?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
    // A hard link fails when the name exists, unlike a rename.
    let placed = match std::fs::hard_link(&staged, path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    };
    let _ = std::fs::remove_file(&staged);
    placed?;
    crate::data_dir::sync_dir(dir)
}
