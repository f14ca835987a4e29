//! Publishers, operators and their API keys, kept in `accounts.json` in the data directory.
//!
//! An API key reads `trj_{key id}_{secret}`. Only a SHA-256 of the whole key is
//! stored (the secret is 256 random bits, so a slow password hash adds
//! nothing); it is compared in constant time. Keys are revocable by id. The
//! administrator's CLI writes the file under a lock; the running service
//! notices the change within a second (`reload_if_changed`).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use anyhow::Context;
use data_encoding::BASE32_NOPAD;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::data_dir::write_atomic;

/// Who an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A publisher partner.
    Publisher,
    /// A rail operator.
    Operator,
}

/// A publisher or an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable id, e.g. `pub-3f9a…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Publisher or operator.
    pub role: Role,
}

/// A stored API key: its id, owner and hash, never the key.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// Public key id (part of the key, safe to log).
    pub id: String,
    /// The account it authenticates.
    pub account: String,
    /// SHA-256 of the whole key, hex.
    pub sha256: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Set when revoked.
    pub revoked_at: Option<String>,
}

/// The content of `accounts.json`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct AccountsFile {
    /// Every publisher and operator.
    pub accounts: Vec<Account>,
    /// Every API key ever issued.
    pub keys: Vec<StoredKey>,
}

/// Accounts as the running service sees them, reloaded when the file changes.
pub struct Accounts {
    path: PathBuf,
    current: RwLock<Arc<AccountsFile>>,
    seen: Mutex<Option<SystemTime>>,
}

impl Accounts {
    /// Loads `accounts.json` from the data directory (empty if missing).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("accounts.json");
        let accounts = Self {
            path,
            current: RwLock::new(Arc::default()),
            seen: Mutex::new(None),
        };
        accounts.reload_if_changed()?;
        Ok(accounts)
    }

    /// Re-reads the file when its modification time changed.
    pub fn reload_if_changed(&self) -> anyhow::Result<()> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if *seen == modified && modified.is_some() {
            return Ok(());
        }
        let file = read_file(&self.path)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(file);
        *seen = modified;
        Ok(())
    }

    /// The account a presented API key authenticates, if it is valid and not revoked.
    pub fn authenticate(&self, presented: &str) -> Option<Account> {
        let key_id = parse_key_id(presented)?;
        let mut file = self.snapshot();
        if !file.keys.iter().any(|k| k.id == key_id) {
            // A key the admin CLI has just printed must work on the next
            // request, not after the next periodic reload. The check is one
            // stat of a local file; the file is read only when it changed, so
            // unknown keys cannot make the service read it over and over.
            if let Err(e) = self.reload_if_changed() {
                tracing::warn!(error = %format!("{e:#}"), "reloading accounts failed; keeping the previous ones");
            }
            file = self.snapshot();
        }
        let stored = file.keys.iter().find(|k| k.id == key_id)?;
        let digest = hex(&Sha256::digest(presented.as_bytes()));
        let matches: bool = digest.as_bytes().ct_eq(stored.sha256.as_bytes()).into();
        if !matches || stored.revoked_at.is_some() {
            return None;
        }
        file.accounts
            .iter()
            .find(|a| a.id == stored.account)
            .cloned()
    }

    /// The accounts as last read.
    fn snapshot(&self) -> Arc<AccountsFile> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The account of a key id that is still valid (console sessions name their key by id).
    pub fn account_for_key_id(&self, key_id: &str) -> Option<Account> {
        let file = self.snapshot();
        let stored = file
            .keys
            .iter()
            .find(|k| k.id == key_id && k.revoked_at.is_none())?;
        file.accounts
            .iter()
            .find(|a| a.id == stored.account)
            .cloned()
    }

    /// A snapshot of every account.
    pub fn all(&self) -> Vec<Account> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .accounts
            .clone()
    }
}

fn read_file(path: &Path) -> anyhow::Result<AccountsFile> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AccountsFile::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Changes `accounts.json` under an exclusive lock, so concurrent CLI runs never lose an update.
pub fn update<T>(
    data_dir: &Path,
    change: impl FnOnce(&mut AccountsFile) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    std::fs::create_dir_all(data_dir)?;
    let lock: File = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("accounts.lock"))?;
    lock.lock().context("locking accounts")?;
    let path = data_dir.join("accounts.json");
    let mut file = read_file(&path)?;
    let out = change(&mut file)?;
    write_atomic(&path, &serde_json::to_vec_pretty(&file)?)?;
    Ok(out)
}

/// Creates an account (or reuses the one with that name and role) and issues
/// a new API key for it; returns the account and the key, shown only once.
pub fn create_account_with_key(
    data_dir: &Path,
    role: Role,
    name: &str,
) -> anyhow::Result<(Account, String)> {
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 120,
        "the name must have 1 to 120 characters"
    );
    update(data_dir, |file| {
        let account = match file
            .accounts
            .iter()
            .find(|a| a.role == role && a.name == name)
        {
            Some(a) => a.clone(),
            None => {
                let prefix = match role {
                    Role::Publisher => "pub",
                    Role::Operator => "op",
                };
                let account = Account {
                    id: format!("{prefix}-{}", random_token(5)),
                    name: name.to_owned(),
                    role,
                };
                file.accounts.push(account.clone());
                account
            }
        };
        let key_id = random_token(5);
        let key = format!("trj_{key_id}_{}", random_token(32));
        file.keys.push(StoredKey {
            id: key_id,
            account: account.id.clone(),
            sha256: hex(&Sha256::digest(key.as_bytes())),
            created_at: now_rfc3339(),
            revoked_at: None,
        });
        Ok((account, key))
    })
}

/// Revokes a key by its id; an unknown id is an error.
pub fn revoke_key(data_dir: &Path, key_id: &str) -> anyhow::Result<()> {
    update(data_dir, |file| {
        let key = file
            .keys
            .iter_mut()
            .find(|k| k.id == key_id)
            .with_context(|| format!("no API key has the id {key_id:?}"))?;
        key.revoked_at.get_or_insert_with(now_rfc3339);
        Ok(())
    })
}

/// The key id inside a presented key (`trj_{id}_{secret}`), if well formed.
pub fn parse_key_id(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix("trj_")?;
    let (id, secret) = rest.split_once('_')?;
    (!id.is_empty() && id.len() <= 16 && secret.len() >= 32).then_some(id)
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng
        .try_fill_bytes(&mut buf)
        .expect("the OS random source is available");
    BASE32_NOPAD.encode(&buf).to_ascii_lowercase()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_authenticates_its_account_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let (account, key) =
            create_account_with_key(dir.path(), Role::Operator, "SNCF TER AURA").unwrap();
        let accounts = Accounts::open(dir.path()).unwrap();
        assert_eq!(accounts.authenticate(&key), Some(account));
        let stored = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
        assert!(!stored.contains(&key), "the key itself is never stored");
        revoke_key(dir.path(), parse_key_id(&key).unwrap()).unwrap();
        // Force a reload even if the mtime granularity hides the change.
        *accounts.seen.lock().unwrap() = None;
        accounts.reload_if_changed().unwrap();
        assert_eq!(accounts.authenticate(&key), None);
    }

    #[test]
    fn altered_or_malformed_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_, key) =
            create_account_with_key(dir.path(), Role::Publisher, "Éditions du Quai").unwrap();
        let accounts = Accounts::open(dir.path()).unwrap();
        let mut altered = key.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'a' { 'b' } else { 'a' });
        assert_eq!(accounts.authenticate(&altered), None);
        assert_eq!(accounts.authenticate("trj_"), None);
        assert_eq!(accounts.authenticate(""), None);
        assert_eq!(accounts.authenticate("Bearer nonsense"), None);
    }
}
