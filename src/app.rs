//! The application: shared state and background tasks (`crate::router` serves it).

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::accounts::Accounts;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::console::secret::ConsoleSecret;
use crate::data_dir::DataDir;
use crate::db::Database;
use crate::http::rate_limit::RateLimits;
use crate::lines::LineCollections;
use crate::metrics::Metrics;
use crate::reader::library::Library;
use crate::seat_codes::KeyStore;
use crate::sessions::{MemoryStore, RedisStore, RedisStoreConfig, SessionStore};
use crate::trips::TripStore;
use crate::usage::Usage;
use crate::vehicles::VehicleStore;

/// Everything a request may need, built once at start.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// Durable files: publications, signing keys, the SQLite database.
    pub data: DataDir,
    /// Durable state: accounts, trips, titles, lines, usage.
    pub db: Database,
    /// Passenger sessions.
    pub sessions: SessionStore,
    /// Publishers, operators and API keys.
    pub accounts: Accounts,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Usage counters for reports.
    pub usage: Usage,
    /// Rate limits per client, seat code and key.
    pub limits: RateLimits,
    /// Signs console sign-in cookies.
    pub console_secret: ConsoleSecret,
    /// The keys that sign and verify seat codes.
    pub seat_keys: KeyStore,
    /// Trips in the database; the current days' in memory.
    pub trips: TripStore,
    /// Train sets, their labels and the trips they run; the fleet in memory.
    pub vehicles: VehicleStore,
    /// The turns of GTFS imports.
    pub gtfs_imports: crate::trips::ImportGate,
    /// Publishers' titles: the index in memory, content on disk.
    pub catalog: Catalog,
    /// What passengers can reach of each title, and hot content in memory.
    pub library: Library,
    /// Which collections each line offers.
    pub lines: LineCollections,
    /// The web pages as served: the static folder's compressed mirror.
    pub static_root: std::path::PathBuf,
    /// Operators' GTFS-Realtime feeds and their poller.
    pub realtime: crate::realtime::Realtime,
    /// The instant scans are admitted at.
    pub clock: crate::clock::Clock,
    /// Where work no passenger waits for runs: the realtime feeds' rounds.
    pub background: crate::background::Background,
}

/// The state handlers receive: a cheap clone of the one `App`.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// How often durable state changed by another process (the admin CLI) is re-read.
const RELOAD_EVERY: Duration = Duration::from_millis(500);

impl App {
    /// Opens the application from its configuration: the data directory and
    /// the session store, and starts background tasks. `crate::router::router`
    /// serves it. Tests call this too.
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        let data = DataDir::open(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot open the data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
        let sessions = match &config.redis_url {
            Some(url) => SessionStore::Redis(RedisStore::new(RedisStoreConfig {
                url: url.clone(),
                prefix: "trajet:".into(),
                timeout: config.redis_timeout,
            })?),
            None => SessionStore::Memory(MemoryStore::new()),
        };
        Self::open_with_sessions(config, data, sessions).await
    }

    /// Like `open`, with a given session store (tests isolate Redis by key prefix).
    pub async fn open_with_sessions(
        config: Config,
        data: DataDir,
        sessions: SessionStore,
    ) -> anyhow::Result<AppState> {
        let db = Database::open(&config.database, data.root()).await?;
        let accounts = Accounts::open(&db).await?;
        let usage = Usage::new(&db);
        let master_key = crate::db::MasterKey::open(&config.database.master_key_file(data.root()))?;
        let realtime = crate::realtime::Realtime::new(
            &config.realtime,
            crate::db::MasterKey::open(&config.database.master_key_file(data.root()))?,
        )?;
        let console_secret = ConsoleSecret::open(&db, &master_key).await?;
        let seat_keys = KeyStore::open(
            &db,
            &config.database.master_key_file(data.root()),
            crate::seat_codes::unix_now(),
        )
        .await?;
        let trips = TripStore::open(db.clone()).await?;
        let vehicles = VehicleStore::open(db.clone()).await?;
        let catalog = Catalog::open_configured(&data, db.clone(), &config).await?;
        sweep_leftovers(&catalog).await;
        let library = Library::new(config.chapter_cache_bytes);
        let limits = RateLimits::new(&config);
        let lines = LineCollections::open(db.clone()).await?;
        let gtfs_imports = crate::trips::ImportGate::new(&config.gtfs);
        let static_root =
            crate::static_files::serving_dir(&config.static_dir, &data.path("cache"))?;
        // Compressing the pages (first start) held tens of megabytes for a moment.
        crate::memory::release_free_memory();
        let app = App {
            config,
            data,
            db,
            sessions,
            accounts,
            metrics: Metrics::new(),
            usage,
            limits,
            console_secret,
            seat_keys,
            trips,
            vehicles,
            gtfs_imports,
            catalog,
            library,
            lines,
            static_root,
            realtime,
            clock: crate::clock::Clock::default(),
            background: crate::background::Background::start()
                .map_err(|e| anyhow::anyhow!("cannot start the background thread: {e}"))?,
        };
        let state = AppState(Arc::new(app));
        tokio::spawn(reload_task(Arc::downgrade(&state.0)));
        tokio::spawn(flush_usage_task(Arc::downgrade(&state.0)));
        tokio::spawn(collect_retired_task(Arc::downgrade(&state.0)));
        state
            .background
            .spawn(crate::realtime::poll_task(Arc::downgrade(&state.0)));
        Ok(state)
    }

    /// Follows what another process changed in the database: one small
    /// query, then a reload of only the domains whose generation moved.
    async fn refresh(&self) {
        let generations = match self.db.generations().await {
            Ok(generations) => generations,
            Err(e) => {
                tracing::warn!(error = %e, "reading the database's change generations failed");
                return;
            }
        };
        if let Err(e) = self.accounts.refresh(&generations).await {
            tracing::warn!(error = %e, "reloading accounts failed; keeping the previous ones");
        }
        match self.seat_keys.refresh(&generations).await {
            Ok(true) => tracing::info!(
                signer = self.seat_keys.keyring().signer().id(),
                "seat code signing keys reloaded"
            ),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "reloading signing keys failed; keeping the previous ones")
            }
        }
        if let Err(e) = self.trips.refresh(&generations).await {
            tracing::warn!(error = %e, "reloading trips failed; keeping the previous ones");
        }
        if let Err(e) = self.vehicles.refresh(&generations).await {
            tracing::warn!(error = %format!("{e:#}"), "reloading vehicles failed; keeping the previous ones");
        }
        if let Err(e) = self.catalog.refresh(&generations).await {
            tracing::warn!(error = %format!("{e:#}"), "reloading the catalog failed; keeping the previous one");
        }
        if let Err(e) = self.lines.refresh(&generations).await {
            tracing::warn!(error = %format!("{e:#}"), "reloading line collections failed; keeping the previous ones");
        }
    }
}

async fn reload_task(app: std::sync::Weak<App>) {
    let mut tick = tokio::time::interval(RELOAD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else { return };
        app.refresh().await;
    }
}

async fn flush_usage_task(app: std::sync::Weak<App>) {
    let every = match app.upgrade() {
        Some(app) => app.config.usage_flush,
        None => return,
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else { return };
        app.flush_usage().await;
    }
}

/// Removes, once a minute, the publication files retired longer ago than
/// the grace period (by any instance: removal is idempotent).
async fn collect_retired_task(app: std::sync::Weak<App>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else { return };
        let before = crate::catalog::index::now_seconds() - crate::catalog::retired::GRACE_SECONDS;
        match app.catalog.collect_retired(before).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed retired publication files"),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "could not remove retired publication files")
            }
        }
    }
}

impl App {
    /// Adds this process's usage counters to the database now (also called at shutdown).
    pub async fn flush_usage(&self) {
        if let Err(e) = self.usage.flush().await {
            tracing::error!(error = %e, "writing usage counters failed; will retry");
        }
    }
}

/// What an interrupted upload or policy change left on disk (a crash between
/// writing a version's files and the database update) goes at start; entries younger than an hour may belong to
/// another instance's running ingestion and stay.
async fn sweep_leftovers(catalog: &Catalog) {
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    match catalog.sweep(cutoff).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "removed leftovers of interrupted changes"),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "could not sweep the catalog's leftovers")
        }
    }
}
