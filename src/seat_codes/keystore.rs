//! The seat-code signing keys, kept in the database (`signing_keys`) so that
//! every instance signs and verifies with the same keys, and rotation or
//! revocation by one (or by `trajet admin`) reaches all within a second.
//!
//! The secrets are sealed under the master key (`crate::db::MasterKey`): a
//! copy of the database (a backup, a read replica) cannot mint seat codes.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::{Context, bail};
use sqlx::Row as _;

use super::keyring::{Keyring, SigningKey};
use crate::db::{Database, Domain, Generations, MasterKey};

/// The master key file in the data directory, when no other is configured.
pub const MASTER_KEY_FILE: &str = "keys/master.key";

/// The signing keys as the running process sees them.
pub struct KeyStore {
    db: Database,
    master: MasterKey,
    keyring: RwLock<Arc<Keyring>>,
    /// The generation the keys were read at; only changed with `keyring`
    /// locked for writing.
    loaded: AtomicI64,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("keyring", &self.keyring())
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// Loads the keys, generating the first one when the database has none.
    pub async fn open(db: &Database, master_key_file: &Path, now: i64) -> anyhow::Result<Self> {
        let master = MasterKey::open(master_key_file)?;
        let mut write = db.write(Domain::SigningKeys).await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys")
            .fetch_one(write.tx())
            .await?;
        if count == 0 {
            let first = Keyring::generate(now)?;
            insert(write.tx(), &master, first.signer()).await?;
            write.commit().await?;
        }
        // Else the write is dropped: nothing changed, no generation moves.
        let generation = db.generations().await?.of(Domain::SigningKeys);
        let keyring = load(db.pool(), &master).await?;
        Ok(Self {
            db: db.clone(),
            master,
            keyring: RwLock::new(Arc::new(keyring)),
            loaded: AtomicI64::new(generation),
        })
    }

    /// The keys as of the last load.
    pub fn keyring(&self) -> Arc<Keyring> {
        self.keyring
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reloads the keys when another process changed them; on a bad state
    /// the previous keys stay in use and the error is returned.
    pub async fn refresh(&self, generations: &Generations) -> anyhow::Result<bool> {
        let generation = generations.of(Domain::SigningKeys);
        if generation == self.loaded.load(Ordering::Acquire) {
            return Ok(false);
        }
        let keyring = load(self.db.pool(), &self.master).await?;
        let mut held = self.keyring.write().unwrap_or_else(|e| e.into_inner());
        // A refresh that read the keys before a rotation of ours and gets
        // here after it does not put the old keys back.
        if generation < self.loaded.load(Ordering::Acquire) {
            return Ok(false);
        }
        *held = Arc::new(keyring);
        self.loaded.store(generation, Ordering::Release);
        Ok(true)
    }

    /// Retires the signer and adds a fresh key that signs from now on; drops
    /// keys whose codes have all ended and that no live train set's labels
    /// carry. Returns the new key's id.
    pub async fn rotate(&self, now: i64) -> anyhow::Result<u8> {
        let mut write = self.db.write(Domain::SigningKeys).await?;
        let mut keyring = load(&mut *write.tx(), &self.master).await?;
        let before: Vec<u8> = keyring.keys().iter().map(SigningKey::id).collect();
        // Ids of revoked keys are not reused while their rows are kept.
        let revoked: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM signing_keys WHERE revoked_at IS NOT NULL")
                .fetch_all(write.tx())
                .await?;
        // Keys that live train sets' labels carry stay, however old.
        let held = crate::vehicles::label_keys::held(write.tx()).await?;
        let id = keyring.rotate_keeping(
            now,
            |id| revoked.contains(&i64::from(id)),
            |id| held.contains(&id),
        )?;
        for gone in before.iter().filter(|id| keyring.key(**id).is_none()) {
            sqlx::query("DELETE FROM signing_keys WHERE id = $1")
                .bind(i64::from(*gone))
                .execute(write.tx())
                .await?;
        }
        sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 \
             WHERE retired_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .execute(write.tx())
        .await?;
        let new = keyring.key(id).expect("the rotation added it");
        insert(write.tx(), &self.master, new).await?;
        write.commit().await?;
        self.reload().await?;
        Ok(id)
    }

    /// Revokes a key: no code it signed verifies any more, on any instance
    /// within a second. Revoking the signer first rotates to a fresh one.
    /// The train sets whose labels it signed move to the signer in the same
    /// transaction, and are answered: their labels must be printed again.
    pub async fn revoke(&self, id: u8, now: i64) -> anyhow::Result<Revocation> {
        let state: Option<(Option<i64>, Option<i64>)> =
            sqlx::query("SELECT retired_at, revoked_at FROM signing_keys WHERE id = $1")
                .bind(i64::from(id))
                .fetch_optional(self.db.pool())
                .await?
                .map(|row| (row.get(0), row.get(1)));
        let Some((retired_at, revoked_at)) = state else {
            bail!("no signing key has the id {id}");
        };
        // A key signs until it is retired; the signer, until now.
        let signed_until = retired_at.or(revoked_at).unwrap_or(now);
        let mut train_sets = Vec::new();
        if revoked_at.is_none() {
            if retired_at.is_none() {
                self.rotate(now).await?;
            }
            let mut write = self.db.write(Domain::SigningKeys).await?;
            sqlx::query(
                "UPDATE signing_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(i64::from(id))
            .bind(now)
            .execute(write.tx())
            .await?;
            let signer: i64 = sqlx::query_scalar(
                "SELECT id FROM signing_keys WHERE retired_at IS NULL AND revoked_at IS NULL",
            )
            .fetch_one(write.tx())
            .await?;
            let signer = u8::try_from(signer).context("the signer's id is out of range")?;
            // Every instance reloads its train sets to mint with the new key.
            write.also_bump(Domain::Vehicles).await?;
            train_sets = crate::vehicles::label_keys::rebind(write.tx(), id, signer).await?;
            write.commit().await?;
            self.reload().await?;
        }
        Ok(Revocation {
            signer: self.keyring().signer().id(),
            signed_until,
            train_sets,
        })
    }

    async fn reload(&self) -> anyhow::Result<()> {
        let generations = self.db.generations().await?;
        self.loaded.store(-1, Ordering::Release);
        self.refresh(&generations).await?;
        Ok(())
    }
}

/// What a revocation left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The key that signs new codes.
    pub signer: u8,
    /// Until when (Unix seconds) the revoked key signed codes: labels
    /// printed by then carry its signature.
    pub signed_until: i64,
    /// The live train sets whose labels the key signed, now minted with the
    /// signer: print their labels again. Empty when the key was already revoked.
    pub train_sets: Vec<crate::vehicles::label_keys::LabelledSet>,
}

/// The trusted keys (not revoked), unsealed.
async fn load<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    master: &MasterKey,
) -> anyhow::Result<Keyring> {
    let rows = sqlx::query(
        "SELECT id, sealed_secret, created_at, retired_at FROM signing_keys \
         WHERE revoked_at IS NULL ORDER BY created_at, id",
    )
    .fetch_all(executor)
    .await?;
    let keys = rows
        .iter()
        .map(|row| {
            let id: i64 = row.try_get(0)?;
            let id = u8::try_from(id).with_context(|| format!("key id {id} is out of range"))?;
            let secret = unseal_key(master, id, &row.try_get::<String, _>(1)?)?;
            Ok(SigningKey::new(
                id,
                secret,
                row.try_get(2)?,
                row.try_get(3)?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Keyring::from_keys(keys)
}

async fn insert(
    tx: &mut sqlx::AnyConnection,
    master: &MasterKey,
    key: &SigningKey,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (id, sealed_secret, created_at, retired_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(i64::from(key.id()))
    .bind(master.seal(&label(key.id()), key.secret())?)
    .bind(key.created_at())
    .bind(key.retired_at())
    .execute(tx)
    .await?;
    Ok(())
}

fn label(id: u8) -> String {
    format!("seat-code signing key {id}")
}

fn unseal_key(master: &MasterKey, id: u8, sealed: &str) -> anyhow::Result<[u8; 32]> {
    let secret = master.unseal(&label(id), sealed)?;
    secret
        .try_into()
        .map_err(|_| anyhow::anyhow!("signing key {id} is not 32 bytes"))
}
