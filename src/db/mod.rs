//! Durable state in a database: SQLite in the data directory by default (no
//! configuration, no server), PostgreSQL when `DATABASE_URL` is set.
//!
//! One body of SQL serves both, through sqlx's `Any` driver: the repositories
//! bind and read only integers and text (times are Unix seconds, dates are
//! `YYYY-MM-DD`), and the migrations in `migrations/` are written in the SQL
//! both engines share. The passenger's path never waits on the database: each
//! domain keeps an in-memory index, and [`Database::generations`] tells,
//! cheaply, which domains another process changed since.
//!
//! Every write is a [`Write`]: a transaction whose first statement bumps its
//! domain's generation. Taking that row first makes concurrent writers of a
//! domain queue (SQLite's write lock, PostgreSQL's row lock) instead of
//! failing mid-way, and gives each committed change a number that grows in
//! commit order.

mod master_key;
mod migrations;
mod params;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions as _, Executor as _, Row as _, Transaction};

use crate::config::DatabaseSettings;

pub use master_key::MasterKey;
pub use migrations::{MIGRATIONS, Migrated};
pub use params::{Params, rows_per_statement};

/// The SQLite file in the data directory, when no `DATABASE_URL` is set.
pub const SQLITE_FILE: &str = "trajet.sqlite3";

/// Which engine holds the durable state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file in the data directory.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The engine's name, for logs and `check-config`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The engine behind a connection.
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        // sqlx's driver names: "SQLite", "PostgreSQL".
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// A kind of durable state, with its own change generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Publishers, operators and their API keys.
    Accounts,
    /// The ids and states of the keys that sign seat codes.
    SigningKeys,
    /// Trips and their changes.
    Trips,
    /// The collections each line offers.
    Lines,
    /// Title records: metadata, policy, live version.
    Titles,
    /// Train sets, their seat labels' generations, which trips they run,
    /// and the operators' scan settings.
    Vehicles,
}

impl Domain {
    /// Every domain, in the order of the `changes` table.
    pub const ALL: [Domain; 6] = [
        Domain::Accounts,
        Domain::SigningKeys,
        Domain::Trips,
        Domain::Lines,
        Domain::Titles,
        Domain::Vehicles,
    ];

    /// The domain's row in the `changes` table.
    pub fn key(self) -> &'static str {
        match self {
            Domain::Accounts => "accounts",
            Domain::SigningKeys => "signing_keys",
            Domain::Trips => "trips",
            Domain::Lines => "lines",
            Domain::Titles => "titles",
            Domain::Vehicles => "vehicles",
        }
    }
}

/// The generation of every domain, read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations([i64; Domain::ALL.len()]);

impl Generations {
    /// The generation of one domain.
    pub fn of(&self, domain: Domain) -> i64 {
        self.0[domain as usize]
    }
}

/// The pool of connections to the database holding the durable state.
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Connects and brings the schema up to date; refuses a database whose
    /// schema is newer than this binary.
    pub async fn open(settings: &DatabaseSettings, data_dir: &Path) -> anyhow::Result<Database> {
        let db = Self::connect(settings, data_dir).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without touching the schema (`trajet migrate` reports what it applies).
    pub async fn connect(settings: &DatabaseSettings, data_dir: &Path) -> anyhow::Result<Database> {
        sqlx::any::install_default_drivers();
        let (options, backend) = match &settings.url {
            Some(url) => {
                let options: AnyConnectOptions = url
                    .expose()
                    .parse()
                    .context("DATABASE_URL is not a valid URL")?;
                (options, Backend::Postgres)
            }
            None => {
                let path = data_dir.join(SQLITE_FILE);
                let url = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .to_url_lossy();
                (AnyConnectOptions::from_url(&url)?, Backend::Sqlite)
            }
        };
        // Statements are logged only when slow: a log line per query would
        // drown the service's own.
        let options = options
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(1)
            .acquire_timeout(settings.acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer, and the CLI and
                        // the service share the file. FULL: a committed change
                        // survives a power cut, not only a crash. The busy
                        // timeout makes a second writer (the CLI) queue.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| match backend {
                Backend::Sqlite => format!(
                    "cannot open the SQLite database {}",
                    data_dir.join(SQLITE_FILE).display()
                ),
                Backend::Postgres => {
                    "cannot connect to the PostgreSQL server of DATABASE_URL".into()
                }
            })?;
        Ok(Database { pool, backend })
    }

    /// Applies the migrations this binary carries that the database lacks.
    pub async fn migrate(&self) -> anyhow::Result<Migrated> {
        migrations::run(&self.pool).await
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write to `domain`: a transaction that has already taken the
    /// domain's change row, so it is the only writer of that domain until it
    /// commits or is dropped (rolled back).
    pub async fn write(&self, domain: Domain) -> Result<Write, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let generation = bump(&mut tx, domain).await?;
        Ok(Write {
            tx,
            domain,
            generation,
            also: Vec::new(),
        })
    }

    /// The current generation of every domain: one small query.
    pub async fn generations(&self) -> Result<Generations, sqlx::Error> {
        let rows = sqlx::query("SELECT domain, generation FROM changes")
            .fetch_all(&self.pool)
            .await?;
        let mut generations = Generations::default();
        for row in rows {
            let key: String = row.try_get(0)?;
            if let Some(domain) = Domain::ALL.iter().find(|d| d.key() == key) {
                generations.0[*domain as usize] = row.try_get(1)?;
            }
        }
        Ok(generations)
    }

    /// Closes every connection (tests reopen the same file).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn bump(tx: &mut sqlx::AnyConnection, domain: Domain) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE changes SET generation = generation + 1 WHERE domain = $1 RETURNING generation",
    )
    .bind(domain.key())
    .fetch_one(tx)
    .await
}

/// An open write transaction on one domain: commit it, or drop it to undo.
pub struct Write {
    tx: Transaction<'static, Any>,
    domain: Domain,
    generation: i64,
    /// Other domains this write bumped, with their new generations.
    also: Vec<(Domain, i64)>,
}

impl Write {
    /// The generation this change will have once committed.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// The transaction, to run statements in.
    pub fn tx(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Bumps another domain's generation in this transaction too, for a
    /// change that is also that domain's (an assignment written to a trip's
    /// history): returns that domain's new generation, the same one however
    /// often it is asked. Take the domains in one order everywhere (trips
    /// before vehicles) so two writers never wait on each other.
    pub async fn also_bump(&mut self, domain: Domain) -> Result<i64, sqlx::Error> {
        if domain == self.domain {
            return Ok(self.generation);
        }
        if let Some((_, generation)) = self.also.iter().find(|(d, _)| *d == domain) {
            return Ok(*generation);
        }
        let generation = bump(&mut self.tx, domain).await?;
        self.also.push((domain, generation));
        Ok(generation)
    }

    /// Whether this write changes `domain` (its own, or one it also bumped).
    pub fn bumps(&self, domain: Domain) -> bool {
        domain == self.domain || self.also.iter().any(|(d, _)| *d == domain)
    }

    /// Makes the change durable and visible to every reader.
    pub async fn commit(self) -> Result<i64, sqlx::Error> {
        self.tx.commit().await?;
        Ok(self.generation)
    }
}

/// Whether a database error means "the database is unreachable or saturated
/// for now" (answered 503, retried) rather than a bug.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
    ) || matches!(error, sqlx::Error::Database(e) if is_busy(e.code().as_deref()))
}

/// SQLite's "database is locked/busy" and PostgreSQL's "cannot connect now",
/// "too many connections" and serialization failures: worth a retry.
fn is_busy(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "517" | "57P03" | "53300" | "40001" | "40P01")
    )
}

/// Databases for the repositories' contract tests: each test runs on SQLite
/// and on a real PostgreSQL server (`crate::postgres`).
#[cfg(test)]
pub mod testing {
    use super::*;

    /// A fresh, migrated SQLite database in `dir`.
    pub async fn sqlite(dir: &Path) -> Database {
        Database::open(&crate::config::Config::for_tests(dir).database, dir)
            .await
            .expect("opening a test SQLite database")
    }

    /// A fresh, migrated database on this test process's PostgreSQL server,
    /// or `None` once the skip is recorded (PostgreSQL not installed).
    pub async fn postgres(dir: &Path) -> Option<Database> {
        let url = crate::postgres::database_url().await?;
        let mut settings = crate::config::Config::for_tests(dir).database;
        settings.url = Some(crate::config::Secret::new(url));
        Some(
            Database::open(&settings, dir)
                .await
                .expect("opening a test PostgreSQL database"),
        )
    }

    /// Another pool on the same database, as a second process (the CLI, a
    /// second instance) opens it.
    pub async fn second_process(db: &Database, dir: &Path) -> Database {
        let mut settings = crate::config::Config::for_tests(dir).database;
        if db.backend() == Backend::Postgres {
            let (name, port): (String, i64) = {
                let row = sqlx::query(
                    "SELECT CAST(current_database() AS TEXT), CAST(inet_server_port() AS BIGINT)",
                )
                .fetch_one(db.pool())
                .await
                .unwrap();
                (row.get(0), row.get(1))
            };
            let url = format!("postgres://postgres@127.0.0.1:{port}/{name}");
            settings.url = Some(crate::config::Secret::new(url));
        }
        Database::open(&settings, dir).await.unwrap()
    }

    /// Runs each `async fn name(db: Database, dir: &Path)` as two tests,
    /// `name::sqlite` and `name::postgres`.
    macro_rules! on_both_databases {
        ($($name:ident),+ $(,)?) => {$(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let db = $crate::db::testing::sqlite(dir.path()).await;
                    super::$name(db, dir.path()).await;
                }
                #[tokio::test]
                async fn postgres() {
                    let dir = tempfile::tempdir().unwrap();
                    let Some(db) = $crate::db::testing::postgres(dir.path()).await else { return };
                    super::$name(db, dir.path()).await;
                }
            }
        )+};
    }
    pub(crate) use on_both_databases;

    mod contract {
        use super::*;

        /// Every domain starts at generation 0; a committed write bumps its
        /// domain only, a dropped one changes nothing.
        async fn writes_bump_their_domain_only(db: Database, _dir: &Path) {
            assert_eq!(db.generations().await.unwrap(), Generations::default());
            let write = db.write(Domain::Trips).await.unwrap();
            assert_eq!(write.generation(), 1);
            assert_eq!(write.commit().await.unwrap(), 1);
            let dropped = db.write(Domain::Titles).await.unwrap();
            drop(dropped);
            let generations = db.generations().await.unwrap();
            assert_eq!(generations.of(Domain::Trips), 1);
            assert_eq!(generations.of(Domain::Titles), 0);
            assert_eq!(generations.of(Domain::Accounts), 0);
        }

        /// Two writers of one domain at once both commit, one after the other.
        async fn concurrent_writers_queue(db: Database, _dir: &Path) {
            let mut writers = Vec::new();
            for _ in 0..8 {
                let db = db.clone();
                writers.push(tokio::spawn(async move {
                    let write = db.write(Domain::Lines).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    write.commit().await.unwrap()
                }));
            }
            let mut generations = Vec::new();
            for writer in writers {
                generations.push(writer.await.unwrap());
            }
            generations.sort();
            assert_eq!(generations, (1..=8).collect::<Vec<i64>>());
            assert_eq!(db.generations().await.unwrap().of(Domain::Lines), 8);
        }

        /// Migrating again applies nothing; a database migrated by a newer
        /// trajet is refused with a message that says so.
        async fn a_newer_schema_is_refused(db: Database, _dir: &Path) {
            let again = db.migrate().await.unwrap();
            assert!(again.applied.is_empty());
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (9999, 'from the future', TRUE, $1, 0)",
            )
            .bind(vec![0u8; 48])
            .execute(db.pool())
            .await
            .unwrap();
            let error = db.migrate().await.unwrap_err().to_string();
            assert!(
                error.contains("version 9999, newer than this trajet"),
                "{error}"
            );
        }

        crate::db::testing::on_both_databases!(
            writes_bump_their_domain_only,
            concurrent_writers_queue,
            a_newer_schema_is_refused
        );
    }
}
