//! The secret that signs console cookies, and the cookie values it signs:
//! `key id . expiry (Unix milliseconds) . HMAC`, checkable by any instance
//! without storage (sign-outs and revocations come from the accounts).

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sha2::Sha256;

use crate::config::Secret;
use crate::db::{Database, MasterKey};

/// The secret that signs console cookies: in the database, sealed under the
/// master key, created by the first instance that starts, so a cookie signed
/// by one instance is good on every other.
pub struct ConsoleSecret(Secret<[u8; 32]>);

/// The row of `secrets` it is kept in.
const NAME: &str = "console";
const LABEL: &str = "console cookie key";

impl ConsoleSecret {
    /// Reads the secret, creating it only when the database has none: a
    /// secret that cannot be opened stops the start (a new one would sign
    /// every console out, on every instance).
    pub async fn open(db: &Database, master: &MasterKey) -> anyhow::Result<Self> {
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.try_fill_bytes(&mut fresh)?;
        // Instances starting together: the first insert wins, all read it.
        sqlx::query(
            "INSERT INTO secrets (name, sealed, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(NAME)
        .bind(master.seal(LABEL, &fresh)?)
        .bind(time::OffsetDateTime::now_utc().unix_timestamp())
        .execute(db.pool())
        .await?;
        let sealed: String = sqlx::query_scalar("SELECT sealed FROM secrets WHERE name = $1")
            .bind(NAME)
            .fetch_one(db.pool())
            .await?;
        let key: [u8; 32] = master
            .unseal(LABEL, &sealed)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("the console cookie key is not 32 bytes"))?;
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::db::testing::on_both_databases;

    async fn a_cookie_verifies_until_it_expires_and_not_once_altered(db: Database, dir: &Path) {
        let master = MasterKey::open(&dir.join("master.key")).unwrap();
        let secret = ConsoleSecret::open(&db, &master).await.unwrap();
        let value = secret.cookie_value("abcd", 2_000);
        assert_eq!(secret.verify(&value, 1_000), Some(("abcd", 2_000)));
        assert_eq!(secret.verify(&value, 2_000), None, "expired");
        assert_eq!(secret.verify(&value.replace("abcd", "abce"), 1_000), None);
        assert_eq!(
            secret.verify(&value.replace(".2000.", ".9000."), 1_000),
            None
        );
        // Another instance (or a restart) on the same database verifies it.
        let other = ConsoleSecret::open(&db, &master).await.unwrap();
        assert_eq!(other.verify(&value, 1_000), Some(("abcd", 2_000)));
    }

    /// Another master key cannot open it, and the secret is never replaced.
    async fn an_unopenable_secret_stops_the_start_and_is_never_replaced(db: Database, dir: &Path) {
        let master = MasterKey::open(&dir.join("a.key")).unwrap();
        let secret = ConsoleSecret::open(&db, &master).await.unwrap();
        let value = secret.cookie_value("abcd", 2_000);
        let other = MasterKey::open(&dir.join("b.key")).unwrap();
        let error = ConsoleSecret::open(&db, &other).await.err().unwrap();
        assert!(
            format!("{error:#}").contains("same master key file"),
            "{error:#}"
        );
        let again = ConsoleSecret::open(&db, &master).await.unwrap();
        assert_eq!(
            again.verify(&value, 1_000),
            Some(("abcd", 2_000)),
            "left as it was"
        );
    }

    on_both_databases!(
        a_cookie_verifies_until_it_expires_and_not_once_altered,
        an_unopenable_secret_stops_the_start_and_is_never_replaced
    );
}
