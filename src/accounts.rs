//! Publishers, operators and their API keys, in the database (`accounts`,
//! `api_keys`), with a copy in memory that every API call reads.
//!
//! An API key reads `trj_{key id}_{secret}`. Only a SHA-256 of the whole key is
//! stored (the secret is 256 random bits, so a slow password hash adds
//! nothing); it is compared in constant time. Keys are revocable by id. A
//! change made here is visible to this process at once; a change made by
//! another process (the admin CLI, another instance) when `refresh` sees the
//! accounts' generation move, and at once for a key id not seen before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use data_encoding::BASE32_NOPAD;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use subtle::ConstantTimeEq;

use crate::db::{Database, Domain, Generations};

/// Who an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A publisher partner.
    Publisher,
    /// A rail operator.
    Operator,
}

impl Role {
    /// The role as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Operator => "operator",
        }
    }

    fn parse(stored: &str) -> Option<Role> {
        match stored {
            "publisher" => Some(Role::Publisher),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            Role::Publisher => "pub",
            Role::Operator => "op",
        }
    }
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
#[derive(Debug, Clone)]
struct StoredKey {
    account: String,
    sha256: String,
    revoked: bool,
    /// Console sessions signed in before this time (Unix milliseconds) are over.
    signed_out_at: Option<i64>,
}

/// Every account and key, as last read.
#[derive(Default)]
struct Snapshot {
    accounts: Vec<Account>,
    keys: HashMap<String, StoredKey>,
}

impl Snapshot {
    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// Accounts as the running process sees them.
pub struct Accounts {
    db: Database,
    current: RwLock<Arc<Snapshot>>,
    /// The accounts' generation the snapshot was read at; only changed with
    /// `current` locked for writing.
    loaded: AtomicI64,
}

impl Accounts {
    /// Reads every account and key.
    pub async fn open(db: &Database) -> Result<Self, sqlx::Error> {
        let accounts = Accounts {
            db: db.clone(),
            current: RwLock::new(Arc::default()),
            loaded: AtomicI64::new(-1),
        };
        let generation = db.generations().await?.of(Domain::Accounts);
        accounts.reload(generation).await?;
        Ok(accounts)
    }

    /// Re-reads the accounts when another process changed them.
    pub async fn refresh(&self, generations: &Generations) -> Result<bool, sqlx::Error> {
        let generation = generations.of(Domain::Accounts);
        if generation == self.loaded.load(Ordering::Acquire) {
            return Ok(false);
        }
        self.reload(generation).await?;
        Ok(true)
    }

    /// Reads every account and key; `generation` was read before them (or
    /// after a commit of ours), so the rows are never older than it.
    async fn reload(&self, generation: i64) -> Result<(), sqlx::Error> {
        let snapshot = self.read().await?;
        self.install(snapshot, generation);
        Ok(())
    }

    async fn read(&self) -> Result<Snapshot, sqlx::Error> {
        let pool = self.db.pool();
        let accounts = sqlx::query("SELECT id, name, role FROM accounts ORDER BY created_at, id")
            .fetch_all(pool)
            .await?
            .into_iter()
            .filter_map(|row| {
                let role: String = row.get(2);
                Some(Account {
                    id: row.get(0),
                    name: row.get(1),
                    role: Role::parse(&role)?,
                })
            })
            .collect();
        let keys =
            sqlx::query("SELECT id, account, sha256, revoked_at, signed_out_at FROM api_keys")
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|row| {
                    let revoked_at: Option<i64> = row.get(3);
                    (
                        row.get::<String, _>(0),
                        StoredKey {
                            account: row.get(1),
                            sha256: row.get(2),
                            revoked: revoked_at.is_some(),
                            signed_out_at: row.get(4),
                        },
                    )
                })
                .collect();
        Ok(Snapshot { accounts, keys })
    }

    /// Holds `snapshot` from now on, unless what is held was read at a later
    /// generation: a periodic refresh that read the rows just before this
    /// process's own write never puts them back over the newer ones.
    fn install(&self, snapshot: Snapshot, generation: i64) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if generation < self.loaded.load(Ordering::Acquire) {
            return;
        }
        *current = Arc::new(snapshot);
        self.loaded.store(generation, Ordering::Release);
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The account a presented API key authenticates, if it is valid and not revoked.
    pub async fn authenticate(&self, presented: &str) -> Option<Account> {
        let key_id = parse_key_id(presented)?;
        let mut snapshot = self.snapshot();
        if !snapshot.keys.contains_key(key_id) {
            // A key the admin CLI has just printed must work on the next
            // request, not after the next periodic refresh. The check is one
            // small query, and the accounts are read again only when they
            // changed, so unknown keys cannot make the service read them over
            // and over.
            match self.db.generations().await {
                Ok(generations) => {
                    if let Err(e) = self.refresh(&generations).await {
                        tracing::warn!(error = %e, "reloading accounts failed; keeping the previous ones");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reading the accounts' generation failed"),
            }
            snapshot = self.snapshot();
        }
        let stored = snapshot.keys.get(key_id)?;
        let digest = hex(&Sha256::digest(presented.as_bytes()));
        let matches: bool = digest.as_bytes().ct_eq(stored.sha256.as_bytes()).into();
        if !matches || stored.revoked {
            return None;
        }
        snapshot.account(&stored.account).cloned()
    }

    /// The account of a key id that is still valid (console sessions name
    /// their key by id), for a console session signed in at `signed_in_at`:
    /// none once the key is revoked, or signed out after that.
    pub fn account_for_console(&self, key_id: &str, signed_in_at: i64) -> Option<Account> {
        let snapshot = self.snapshot();
        let stored = snapshot.keys.get(key_id).filter(|k| !k.revoked)?;
        if stored.signed_out_at.is_some_and(|out| signed_in_at <= out) {
            return None;
        }
        snapshot.account(&stored.account).cloned()
    }

    /// Whether a key id names a key of a real account that is not revoked.
    pub fn is_valid_key_id(&self, key_id: &str) -> bool {
        self.snapshot().keys.get(key_id).is_some_and(|k| !k.revoked)
    }

    /// Every account.
    pub fn all(&self) -> Vec<Account> {
        self.snapshot().accounts.clone()
    }

    /// The account with this name and role.
    pub fn named(&self, role: Role, name: &str) -> Option<Account> {
        self.snapshot()
            .accounts
            .iter()
            .find(|a| a.role == role && a.name == name)
            .cloned()
    }

    /// Creates an account (or reuses the one with that name and role) and
    /// issues a new API key for it; returns the account and the key, shown
    /// only once.
    pub async fn create_with_key(
        &self,
        role: Role,
        name: &str,
    ) -> anyhow::Result<(Account, String)> {
        let name = name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.chars().count() <= 120,
            "the name must have 1 to 120 characters"
        );
        let now = unix_now();
        let mut write = self.db.write(Domain::Accounts).await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM accounts WHERE role = $1 AND name = $2")
                .bind(role.as_str())
                .bind(name)
                .fetch_optional(write.tx())
                .await?;
        let account = Account {
            id: match existing {
                Some(id) => id,
                None => {
                    let id = format!("{}-{}", role.id_prefix(), random_token(5));
                    insert_account(write.tx(), &id, name, role, now).await?;
                    id
                }
            },
            name: name.to_owned(),
            role,
        };
        let key_id = random_token(5);
        let key = format!("trj_{key_id}_{}", random_token(32));
        sqlx::query(
            "INSERT INTO api_keys (id, account, sha256, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&key_id)
        .bind(&account.id)
        .bind(hex(&Sha256::digest(key.as_bytes())))
        .bind(now)
        .execute(write.tx())
        .await?;
        let generation = write.commit().await?;
        self.reload(generation).await?;
        Ok((account, key))
    }

    /// Creates an account with a given id unless it exists (the sample
    /// publisher); issues no key. True when this call created it: of several
    /// instances starting at once on one database, exactly one gets true.
    pub async fn ensure(&self, account: &Account) -> anyhow::Result<bool> {
        if self.snapshot().account(&account.id).is_some() {
            return Ok(false);
        }
        let mut write = self.db.write(Domain::Accounts).await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
            .bind(&account.id)
            .fetch_optional(write.tx())
            .await?;
        if exists.is_some() {
            // Dropping the write changes nothing.
            return Ok(false);
        }
        insert_account(
            write.tx(),
            &account.id,
            &account.name,
            account.role,
            unix_now(),
        )
        .await?;
        let generation = write.commit().await?;
        self.reload(generation).await?;
        Ok(true)
    }

    /// Revokes a key by its id; an unknown id is an error. Its API calls and
    /// console sessions stop at once here, within a second elsewhere.
    pub async fn revoke_key(&self, key_id: &str) -> anyhow::Result<()> {
        let mut write = self.db.write(Domain::Accounts).await?;
        let changed =
            sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                .bind(key_id)
                .bind(unix_now())
                .execute(write.tx())
                .await?
                .rows_affected();
        anyhow::ensure!(changed == 1, "no API key has the id {key_id:?}");
        let generation = write.commit().await?;
        self.reload(generation).await?;
        Ok(())
    }

    /// Ends every console session signed in with this key up to `now` (Unix
    /// milliseconds; sign out): the cookie is refused by every instance, even
    /// a copy of it.
    pub async fn sign_out(&self, key_id: &str, now: i64) -> Result<(), sqlx::Error> {
        let mut write = self.db.write(Domain::Accounts).await?;
        sqlx::query("UPDATE api_keys SET signed_out_at = $2 WHERE id = $1")
            .bind(key_id)
            .bind(now)
            .execute(write.tx())
            .await?;
        let generation = write.commit().await?;
        self.reload(generation).await
    }
}

async fn insert_account(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    name: &str,
    role: Role,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO accounts (id, name, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(role.as_str())
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Opens the accounts of a configured data directory and database (the CLI).
pub async fn open_for_cli(config: &crate::config::Config) -> anyhow::Result<Accounts> {
    let data = crate::data_dir::DataDir::open(&config.data_dir)
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    let db = Database::open(&config.database, data.root()).await?;
    Ok(Accounts::open(&db).await?)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::db::testing::on_both_databases;

    async fn a_created_key_authenticates_its_account_until_revoked(db: Database, _: &Path) {
        let accounts = Accounts::open(&db).await.unwrap();
        let (account, key) = accounts
            .create_with_key(Role::Operator, "SNCF TER AURA")
            .await
            .unwrap();
        assert_eq!(accounts.authenticate(&key).await, Some(account.clone()));
        let stored: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM api_keys")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert!(
            !stored.iter().any(|s| s.contains(&key)),
            "the key itself is never stored"
        );
        // A second key for the same name reuses the account.
        let (again, other_key) = accounts
            .create_with_key(Role::Operator, "  SNCF TER AURA ")
            .await
            .unwrap();
        assert_eq!(again, account);
        accounts
            .revoke_key(parse_key_id(&key).unwrap())
            .await
            .unwrap();
        assert_eq!(accounts.authenticate(&key).await, None);
        assert_eq!(accounts.authenticate(&other_key).await, Some(account));
        assert!(accounts.revoke_key("nosuchkey").await.is_err());
    }

    async fn altered_or_malformed_keys_are_refused(db: Database, _: &Path) {
        let accounts = Accounts::open(&db).await.unwrap();
        let (_, key) = accounts
            .create_with_key(Role::Publisher, "Éditions du Quai")
            .await
            .unwrap();
        let mut altered = key.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'a' { 'b' } else { 'a' });
        assert_eq!(accounts.authenticate(&altered).await, None);
        assert_eq!(accounts.authenticate("trj_").await, None);
        assert_eq!(accounts.authenticate("").await, None);
        assert_eq!(accounts.authenticate("Bearer nonsense").await, None);
        assert!(
            accounts
                .create_with_key(Role::Publisher, "  ")
                .await
                .is_err()
        );
    }

    /// Another process's changes: a new key works on its first use, a
    /// revocation on the next refresh.
    async fn another_process_changes_are_seen(db: Database, _: &Path) {
        let service = Accounts::open(&db).await.unwrap();
        let cli = Accounts::open(&db).await.unwrap();
        let (account, key) = cli
            .create_with_key(Role::Publisher, "Actes Sud")
            .await
            .unwrap();
        assert_eq!(service.authenticate(&key).await, Some(account));
        cli.revoke_key(parse_key_id(&key).unwrap()).await.unwrap();
        assert!(
            service
                .refresh(&db.generations().await.unwrap())
                .await
                .unwrap()
        );
        assert_eq!(service.authenticate(&key).await, None);
        assert!(
            !service
                .refresh(&db.generations().await.unwrap())
                .await
                .unwrap()
        );
    }

    /// Signing out ends the console sessions signed in before, not later ones.
    async fn signing_out_ends_earlier_console_sessions(db: Database, _: &Path) {
        let accounts = Accounts::open(&db).await.unwrap();
        let (account, key) = accounts
            .create_with_key(Role::Operator, "Lex")
            .await
            .unwrap();
        let id = parse_key_id(&key).unwrap();
        assert_eq!(
            accounts.account_for_console(id, 1000),
            Some(account.clone())
        );
        accounts.sign_out(id, 1500).await.unwrap();
        assert_eq!(accounts.account_for_console(id, 1000), None);
        assert_eq!(accounts.account_for_console(id, 1500), None);
        assert_eq!(accounts.account_for_console(id, 1501), Some(account));
        accounts.revoke_key(id).await.unwrap();
        assert_eq!(accounts.account_for_console(id, 2000), None);
        assert!(!accounts.is_valid_key_id(id));
    }

    /// An account this process creates is in what it holds when the
    /// creation returns, even when a periodic refresh read the accounts just
    /// before and installs what it read just after (a reports test once saw
    /// a publisher missing that way).
    async fn a_refresh_read_before_a_creation_never_hides_it(db: Database, _: &Path) {
        let accounts = Accounts::open(&db).await.unwrap();
        let before = db.generations().await.unwrap().of(Domain::Accounts);
        let read_before = accounts.read().await.unwrap();
        let (account, key) = accounts
            .create_with_key(Role::Publisher, "Éditions du Rail")
            .await
            .unwrap();
        accounts.install(read_before, before);
        assert!(accounts.all().contains(&account));
        assert_eq!(accounts.authenticate(&key).await, Some(account.clone()));
        // What a refresh reads at the generation held, or later, is installed.
        let (other, _) = accounts
            .create_with_key(Role::Operator, "TER")
            .await
            .unwrap();
        let now = db.generations().await.unwrap().of(Domain::Accounts);
        accounts.install(accounts.read().await.unwrap(), now);
        assert!(accounts.all().contains(&other));
    }

    on_both_databases!(
        a_created_key_authenticates_its_account_until_revoked,
        altered_or_malformed_keys_are_refused,
        another_process_changes_are_seen,
        signing_out_ends_earlier_console_sessions,
        a_refresh_read_before_a_creation_never_hides_it
    );
}
