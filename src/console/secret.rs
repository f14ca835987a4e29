//! The secret that signs console cookies, and the cookie values it signs:
//! `key id . expiry (Unix milliseconds) . HMAC`, checkable by any instance
//! without storage (sign-outs and revocations come from the accounts).

use std::path::Path;

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sha2::Sha256;

use crate::config::Secret;
use crate::data_dir::write_atomic;

/// The secret that signs console cookies, created on first start.
pub struct ConsoleSecret(Secret<[u8; 32]>);

impl ConsoleSecret {
    /// Loads `keys/console.secret` from the data directory, creating it only
    /// when missing: any other read failure or a damaged file stops the start
    /// (a new secret would sign every console out, on every instance).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("keys").join("console.secret");
        let bytes = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(bytes) => anyhow::bail!(
                "{} holds {} bytes, not 32: restore it, or delete it to sign every console out",
                path.display(),
                bytes.len()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut fresh = [0u8; 32];
                rand::rngs::OsRng.try_fill_bytes(&mut fresh)?;
                write_atomic(&path, &fresh)?;
                restrict(&path);
                // Another process may have raced us: whoever renamed last wins; read it back.
                std::fs::read(&path)?
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("reading {}", path.display())));
            }
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[..32]);
        Ok(Self(Secret::new(key)))
    }

    fn mac(&self, key_id: &str, expires: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.expose()).expect("any key length works");
        mac.update(format!("console|{key_id}|{expires}").as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A signed cookie value for a key id, valid until `expires`.
    pub(super) fn cookie_value(&self, key_id: &str, expires: i64) -> String {
        format!("{key_id}.{expires}.{}", self.mac(key_id, expires))
    }

    /// The key id and expiry of a valid, unexpired cookie value.
    pub(super) fn verify<'a>(&self, value: &'a str, now: i64) -> Option<(&'a str, i64)> {
        let mut parts = value.splitn(3, '.');
        let (key_id, expires, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let expires: i64 = expires.parse().ok()?;
        let expected = self.mac(key_id, expires);
        let same: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), mac.as_bytes()).into();
        (same && expires > now).then_some((key_id, expires))
    }
}

#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}
#[cfg(not(unix))]
fn restrict(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_verifies_until_it_expires_and_not_once_altered() {
        let dir = tempfile::tempdir().unwrap();
        let secret = ConsoleSecret::open(dir.path()).unwrap();
        let value = secret.cookie_value("abcd", 2_000);
        assert_eq!(secret.verify(&value, 1_000), Some(("abcd", 2_000)));
        assert_eq!(secret.verify(&value, 2_000), None, "expired");
        assert_eq!(secret.verify(&value.replace("abcd", "abce"), 1_000), None);
        assert_eq!(
            secret.verify(&value.replace(".2000.", ".9000."), 1_000),
            None
        );
        // The secret survives a restart.
        assert_eq!(
            ConsoleSecret::open(dir.path())
                .unwrap()
                .verify(&value, 1_000),
            Some(("abcd", 2_000))
        );
    }

    #[test]
    fn a_damaged_or_unreadable_secret_stops_the_start_and_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("console.secret");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"short").unwrap();
        assert!(ConsoleSecret::open(dir.path()).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"short", "left as it was");
        // A read error other than "missing" (here: a folder in its place).
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(ConsoleSecret::open(dir.path()).is_err());
        assert!(path.is_dir(), "left as it was");
    }
}
