//! The schema's versions: the files of `migrations/`, built into the binary,
//! applied in order at start (and by `trajet migrate`), each in its own
//! transaction. sqlx records what it applied, with a checksum, in
//! `_sqlx_migrations`; a database that has a version this binary does not
//! know was migrated by a newer trajet, and this one refuses to run on it.

use std::borrow::Cow;

use sqlx::AnyPool;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};

/// Every migration: version, description, SQL. A test checks this list
/// against the files of `migrations/`.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "changes",
        include_str!("../../migrations/0001_changes.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../migrations/0002_accounts.sql"),
    ),
    (3, "trips", include_str!("../../migrations/0003_trips.sql")),
    (
        4,
        "titles",
        include_str!("../../migrations/0004_titles.sql"),
    ),
    (5, "lines", include_str!("../../migrations/0005_lines.sql")),
    (6, "usage", include_str!("../../migrations/0006_usage.sql")),
    (
        7,
        "signing_keys",
        include_str!("../../migrations/0007_signing_keys.sql"),
    ),
    (
        8,
        "usage_by_month",
        include_str!("../../migrations/0008_usage_by_month.sql"),
    ),
    (
        9,
        "secrets",
        include_str!("../../migrations/0009_secrets.sql"),
    ),
    (
        10,
        "vehicles",
        include_str!("../../migrations/0010_vehicles.sql"),
    ),
    (
        15,
        "realtime",
        include_str!("../../migrations/0015_realtime.sql"),
    ),
    (
        20,
        "retired_files",
        include_str!("../../migrations/0020_retired_files.sql"),
    ),
    (
        32,
        "vehicle_label_keys",
        include_str!("../../migrations/0032_vehicle_label_keys.sql"),
    ),
];

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The versions applied now, in order.
    pub applied: Vec<i64>,
    /// The schema version the database is at afterwards.
    pub version: i64,
}

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// The newest version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

pub(super) async fn run(pool: &AnyPool) -> anyhow::Result<Migrated> {
    let before = applied_versions(pool).await?;
    if let Some(&newer) = before.iter().find(|&&v| v > latest()) {
        anyhow::bail!(
            "the database's schema is at version {newer}, newer than this trajet knows \
             (up to {}): it was migrated by a newer release; run that release, or restore \
             a backup taken before the upgrade",
            latest()
        );
    }
    migrator().run(pool).await.map_err(|e| match e {
        MigrateError::VersionMismatch(v) => anyhow::anyhow!(
            "migration {v} in the database differs from the one built into this trajet \
             (its file was edited after it was applied)"
        ),
        other => anyhow::Error::new(other).context("applying the database migrations"),
    })?;
    let applied = MIGRATIONS
        .iter()
        .map(|m| m.0)
        .filter(|v| !before.contains(v))
        .collect();
    Ok(Migrated {
        applied,
        version: latest(),
    })
}

/// The versions recorded in the database (none for a new database).
async fn applied_versions(pool: &AnyPool) -> anyhow::Result<Vec<i64>> {
    // The table exists once the first migration ran; a new database has none.
    match sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
    {
        Ok(versions) => Ok(versions),
        Err(sqlx::Error::Database(e)) if is_missing_table(e.message()) => Ok(Vec::new()),
        Err(e) => Err(anyhow::Error::new(e).context("reading the applied migrations")),
    }
}

fn is_missing_table(message: &str) -> bool {
    message.contains("no such table") || message.contains("does not exist")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `migrations/` is built in, in order, with its number.
    #[test]
    fn every_migration_file_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|(version, description, _)| format!("{version:04}_{description}.sql"))
            .collect();
        assert_eq!(files, listed);
        assert!(
            MIGRATIONS.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "versions only grow"
        );
        for (i, (_, _, sql)) in MIGRATIONS.iter().enumerate() {
            let on_disk = std::fs::read_to_string(dir.join(&listed[i])).unwrap();
            assert_eq!(*sql, on_disk);
        }
    }
}
