//! Publication files no title names any more, waiting out a grace period.
//!
//! A replaced version may still be read by a request that started before
//! the switch, or by an instance that has not yet seen the switch (each
//! follows the database within a second). So its files are not deleted at
//! once: the change that stops naming them records their key in
//! `retired_files`, in the same transaction, and any instance removes them
//! once the grace period has passed ([`super::Catalog::collect_retired`]).

use crate::db::{Database, Write};

/// How long retired files stay: far more than the second other instances
/// take to follow a change plus the longest read in flight (bounded by the
/// store's request timeout), with room for clocks that differ a little.
pub const GRACE_SECONDS: i64 = 600;

/// Records `key` as retired at `now` (Unix seconds), inside a write.
pub async fn add(write: &mut Write, key: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO retired_files (key, retired_at) VALUES ($1, $2) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key.to_owned())
    .bind(now)
    .execute(write.tx())
    .await?;
    Ok(())
}

/// Keys retired before `before` (Unix seconds), oldest first.
pub async fn due(db: &Database, before: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT key FROM retired_files WHERE retired_at < $1 ORDER BY retired_at")
        .bind(before)
        .fetch_all(db.pool())
        .await
}

/// Every retired key (the sweep of leftovers leaves them to the collector).
pub async fn all(db: &Database) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT key FROM retired_files")
        .fetch_all(db.pool())
        .await
}

/// Forgets a key whose files are gone.
pub async fn forget(db: &Database, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM retired_files WHERE key = $1")
        .bind(key.to_owned())
        .execute(db.pool())
        .await?;
    Ok(())
}
