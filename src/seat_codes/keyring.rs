//! The signing keys of seat codes: one signs, retired ones still verify.
//!
//! Retirement rule: a code may only be minted for a window ending within
//! [`KEY_HORIZON_DAYS`] of the moment it is minted, so every code a key
//! signed ends at most that long after the key was retired. A retired key is
//! therefore kept (and trusted) until `retired_at + KEY_HORIZON_DAYS`, then
//! dropped at the next rotation. This needs no record of what each key
//! signed, so several processes can share the key file without coordination;
//! the price is that an old key lives about a year after rotation.
//!
//! One exception: a train set's labels are printed once and have no window.
//! Each live set is bound to the key its labels are minted with
//! (`vehicles.label_key`), and a rotation keeps every key a live set holds,
//! however old: the labels stuck on its seats go on opening sessions until
//! the set is retired or the key revoked.

use anyhow::{Context, bail, ensure};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use std::fmt;

/// How far ahead a code's window may end when it is minted, and how long a
/// retired key keeps verifying: a year of timetable plus a margin.
pub const KEY_HORIZON_DAYS: u32 = 370;
const HORIZON_SECONDS: i64 = KEY_HORIZON_DAYS as i64 * 86_400;

/// All signing keys known to this server; the newest one signs.
#[derive(Debug, Clone)]
pub struct Keyring {
    /// Never empty; exactly one key (the signer) is not retired.
    keys: Vec<SigningKey>,
}

/// One HMAC-SHA256 key with its id. Its secret never prints.
#[derive(Clone)]
pub struct SigningKey {
    id: u8,
    secret: [u8; 32],
    /// The keyed state, prepared once so that each MAC costs two SHA-256 blocks.
    mac: Hmac<Sha256>,
    created_at: i64,
    retired_at: Option<i64>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

impl SigningKey {
    pub(super) fn generate(id: u8, now: i64) -> anyhow::Result<Self> {
        let mut secret = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut secret)
            .context("reading the operating system's random source")?;
        Ok(Self::new(id, secret, now, None))
    }

    pub(super) fn new(id: u8, secret: [u8; 32], created_at: i64, retired_at: Option<i64>) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(&secret).expect("HMAC takes keys of any length");
        Self {
            id,
            secret,
            mac,
            created_at,
            retired_at,
        }
    }

    /// The key id written into each token it signs.
    pub fn id(&self) -> u8 {
        self.id
    }

    /// The secret, for sealing it into the database only.
    pub(super) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// When it was made (Unix seconds).
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// When it stopped signing (Unix seconds); `None` while it signs.
    pub fn retired_at(&self) -> Option<i64> {
        self.retired_at
    }

    /// HMAC-SHA256 of `message` under this key.
    pub(super) fn tag(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether this key may vouch for a window ending at `end` (Unix seconds):
    /// a retired key only for codes it can have signed before retiring.
    pub(super) fn covers(&self, end: i64) -> bool {
        self.retire_after().is_none_or(|limit| end <= limit)
    }

    /// When this key stops being trusted (Unix seconds); `None` while it signs.
    pub fn retire_after(&self) -> Option<i64> {
        self.retired_at.map(|at| at + HORIZON_SECONDS)
    }
}

impl Keyring {
    /// A new keyring with one fresh key from the operating system's CSPRNG.
    pub fn generate(now: i64) -> anyhow::Result<Self> {
        Ok(Self {
            keys: vec![SigningKey::generate(1, now)?],
        })
    }

    /// A keyring with one key of a known secret, for tests whose codes must
    /// be the same on every run.
    #[cfg(test)]
    pub(crate) fn with_secret_for_tests(secret: [u8; 32], now: i64) -> Self {
        Self {
            keys: vec![SigningKey::new(1, secret, now, None)],
        }
    }

    /// The key that signs new codes.
    pub fn signer(&self) -> &SigningKey {
        self.keys
            .iter()
            .find(|k| k.retired_at.is_none())
            .expect("a keyring always has a signer")
    }

    /// The key with this id, if it is still trusted.
    pub fn key(&self, id: u8) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// All keys, oldest first.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Retires the signer, drops keys whose codes have all expired, and adds
    /// a fresh key that signs from now on. Returns the new key's id.
    pub fn rotate(&mut self, now: i64) -> anyhow::Result<u8> {
        self.rotate_keeping(now, |_| false, |_| false)
    }

    /// Like [`Keyring::rotate`], never giving the new key an id `taken` says
    /// is used elsewhere (a revoked key's), and keeping past their horizon
    /// the keys `held` says still sign live labels (a train set's).
    pub fn rotate_keeping(
        &mut self,
        now: i64,
        taken: impl Fn(u8) -> bool,
        held: impl Fn(u8) -> bool,
    ) -> anyhow::Result<u8> {
        self.keys
            .retain(|k| held(k.id) || k.retire_after().is_none_or(|limit| limit >= now));
        let signer = self.signer().id;
        let id = (1..=u8::MAX)
            .map(|step| signer.wrapping_add(step))
            .find(|id| self.key(*id).is_none() && !taken(*id))
            .context("every key id is still trusted; rotate again once old keys expire")?;
        let key = SigningKey::generate(id, now)?;
        for old in self.keys.iter_mut().filter(|k| k.retired_at.is_none()) {
            old.retired_at = Some(now);
        }
        self.keys.push(key);
        Ok(id)
    }

    /// A keyring of stored keys, checking that exactly one signs.
    pub(super) fn from_keys(keys: Vec<SigningKey>) -> anyhow::Result<Self> {
        let signers = keys.iter().filter(|k| k.retired_at.is_none()).count();
        ensure!(
            signers == 1,
            "the signing keys must have exactly one signer, found {signers}"
        );
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.id == key.id) {
                bail!("key id {} is there twice", key.id);
            }
        }
        Ok(Self { keys })
    }
}
