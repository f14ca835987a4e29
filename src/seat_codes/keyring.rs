//! The signing keys of seat codes: one signs, retired ones still verify.
//!
//! Retirement rule: a code may only be minted for a window ending within
//! [`KEY_HORIZON_DAYS`] of the moment it is minted, so every code a key
//! signed ends at most that long after the key was retired. A retired key is
//! therefore kept (and trusted) until `retired_at + KEY_HORIZON_DAYS`, then
//! dropped at the next rotation. This needs no record of what each key
//! signed, so several processes can share the key file without coordination;
//! the price is that an old key lives about a year after rotation.

use anyhow::{Context, bail, ensure};
use data_encoding::HEXLOWER;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// How far ahead a code's window may end when it is minted, and how long a
/// retired key keeps verifying: a year of timetable plus a margin.
pub const KEY_HORIZON_DAYS: u32 = 370;
const HORIZON_SECONDS: i64 = KEY_HORIZON_DAYS as i64 * 86_400;
const FILE_FORMAT: u32 = 1;

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
    fn generate(id: u8, now: i64) -> anyhow::Result<Self> {
        let mut secret = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut secret)
            .context("reading the operating system's random source")?;
        Ok(Self::new(id, secret, now, None))
    }

    fn new(id: u8, secret: [u8; 32], created_at: i64, retired_at: Option<i64>) -> Self {
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
        self.keys
            .retain(|k| k.retire_after().is_none_or(|limit| limit >= now));
        let signer = self.signer().id;
        let id = (1..=u8::MAX)
            .map(|step| signer.wrapping_add(step))
            .find(|id| self.key(*id).is_none())
            .context("every key id is still trusted; rotate again once old keys expire")?;
        let key = SigningKey::generate(id, now)?;
        for old in self.keys.iter_mut().filter(|k| k.retired_at.is_none()) {
            old.retired_at = Some(now);
        }
        self.keys.push(key);
        Ok(id)
    }

    /// The keyring as the JSON of `keys/signing.json`.
    pub(super) fn to_json(&self) -> Vec<u8> {
        let records = self.keys.iter().map(KeyRecord::from).collect();
        let file = KeyringFile {
            format: FILE_FORMAT,
            keys: records,
        };
        serde_json::to_vec_pretty(&file).expect("keyring JSON always serializes")
    }

    /// Parses `keys/signing.json`, checking that it holds exactly one signer.
    pub(super) fn from_json(bytes: &[u8]) -> anyhow::Result<Self> {
        let file: KeyringFile = serde_json::from_slice(bytes).context("parsing the key file")?;
        ensure!(
            file.format == FILE_FORMAT,
            "unknown key file format {}",
            file.format
        );
        let keys = file
            .keys
            .into_iter()
            .map(KeyRecord::into_key)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let signers = keys.iter().filter(|k| k.retired_at.is_none()).count();
        ensure!(
            signers == 1,
            "the key file must have exactly one signing key, found {signers}"
        );
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.id == key.id) {
                bail!("the key file has key id {} twice", key.id);
            }
        }
        Ok(Self { keys })
    }
}

#[derive(Serialize, Deserialize)]
struct KeyringFile {
    format: u32,
    keys: Vec<KeyRecord>,
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    id: u8,
    secret_hex: String,
    created_at_unix: i64,
    retired_at_unix: Option<i64>,
}

impl From<&SigningKey> for KeyRecord {
    fn from(key: &SigningKey) -> Self {
        Self {
            id: key.id,
            secret_hex: HEXLOWER.encode(&key.secret),
            created_at_unix: key.created_at,
            retired_at_unix: key.retired_at,
        }
    }
}

impl KeyRecord {
    fn into_key(self) -> anyhow::Result<SigningKey> {
        let bytes = HEXLOWER.decode(self.secret_hex.as_bytes());
        let secret: [u8; 32] = bytes
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("key {} is not 32 bytes of lower-case hex", self.id))?;
        Ok(SigningKey::new(
            self.id,
            secret,
            self.created_at_unix,
            self.retired_at_unix,
        ))
    }
}
