//! The `trajet` command line: `serve` (default), `admin`, `import`, `check-config`.

use clap::{Parser, Subcommand};

use crate::accounts::{self, Role};
use crate::app::App;
use crate::config::Config;

/// Shown after `--help`: where the settings are explained, and the shapes of
/// the one setting whose value is a small language of its own.
const AFTER_HELP: &str = "\
Settings come from environment variables (or the TOML file named by TRAJET_CONFIG);
`trajet check-config` explains every one and its value.

REDIS_URL (unset: sessions in memory) takes three shapes:
  redis://[[user]:password@]host[:port][/db]
      one server
  redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/service_name[/db]
      the Sentinels (port 26379 by default) and the name they monitor the
      primary under; the credentials are the primary's
  redis+cluster://[[user]:password@]host[:port][,host[:port]...]
      some nodes of a Redis Cluster (the others are learned)

Operators' GTFS-Realtime feed URLs must be on public addresses (checked when
saved and at every connection); TRAJET_REALTIME_ALLOW_PRIVATE_FEEDS=true also
lets them reach loopback, private and link-local addresses (a producer inside
the operator's network).";

/// trajet: a reading service for trains.
#[derive(Debug, Parser)]
#[command(name = "trajet", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Explain every setting and its value, then check the data directory, the database and Redis.
    CheckConfig,
    /// Bring the database's schema up to date, then exit (the service also does it at start).
    Migrate,
    /// Manage publishers, operators, API keys and signing keys.
    #[command(subcommand)]
    Admin(Admin),
    /// Import data into the data directory (a running service sees it within a second).
    #[command(subcommand)]
    Import(Import),
}

/// Import subcommands.
#[derive(Debug, Subcommand)]
pub enum Import {
    /// Import the trips of a GTFS feed (zip) for a range of service dates.
    Gtfs {
        /// The operator the trips belong to, by account name (as given to
        /// `admin create-operator`); may be left out when there is only one.
        #[arg(long)]
        operator: Option<String>,
        /// The GTFS zip.
        file: std::path::PathBuf,
        /// First service date, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last service date (included), YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Import every route type, not only rail (2 and 100-117).
        #[arg(long)]
        all_route_types: bool,
        /// Seats of each imported trip (GTFS does not say).
        #[arg(long, default_value_t = 400)]
        seats: u32,
    },
    /// Import EPUB files (or every `.epub` in the folders given) for a publisher.
    Epub {
        /// The publisher's account name (as given to `admin create-publisher`).
        #[arg(long)]
        publisher: String,
        /// EPUB files or folders of EPUB files.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
}

/// Administration subcommands; they work on the same data directory as a
/// running service, which picks changes up within a second.
#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Create an operator (or reuse one with that name) and print a new API key on the last line.
    CreateOperator {
        /// The operator's name.
        name: String,
    },
    /// Create a publisher (or reuse one with that name) and print a new API key on the last line.
    CreatePublisher {
        /// The publisher's name.
        name: String,
    },
    /// Revoke an API key by its id (the part after `trj_`, before the next `_`).
    RevokeKey {
        /// The key id.
        key_id: String,
    },
    /// Add a new seat code signing key; codes signed by older keys stay valid
    /// until their windows end, train sets' labels as long as the set is in
    /// service. Prints the new key id on the last line.
    RotateSigningKey,
    /// Revoke a seat code signing key (leaked, or labels stolen): every code
    /// it signed is refused at once on every instance. Revoking the key that
    /// signs first rotates to a new one. Prints the signing key id on the last line.
    RevokeSigningKey {
        /// The key id (as `rotate-signing-key` printed it).
        key_id: u8,
    },
}

/// Runs the command line (the whole program but the telemetry set-up).
pub async fn run(
    cli: Cli,
    config: Config,
    explained: Vec<crate::config::Explained>,
) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CheckConfig => check_config(config, explained).await,
        Command::Migrate => migrate(&config).await,
        Command::Admin(admin) => run_admin(admin, &config).await,
        Command::Import(import) => run_import(import, &config).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = crate::server::bind(config.listen).await?;
    let metrics_listener = match config.metrics_listen {
        Some(address) => Some(crate::server::bind(address).await?),
        None => None,
    };
    let limits = config.http.clone();
    let state = App::open(config).await?;
    let router = crate::router::router(&state);
    let loaded = crate::sample::load_on_first_start(&state.0).await?;
    if loaded > 0 {
        tracing::info!(books = loaded, "sample catalog loaded (first start)");
    }
    if crate::sample::has_sample_catalog(&state.config.sample_catalog) {
        match crate::sample::demo_seat_code(&state).await {
            Ok(url) => {
                tracing::info!(%url, "demo trip running now");
                println!(
                    "\nRead as a passenger: open {url}\n(the seat code of seat 1 on the demo trip running now)\n"
                );
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "no demo trip"),
        }
    }
    tracing::info!(
        listen = %state.config.listen,
        public_url = %state.config.public_url,
        sessions = state.sessions.backend(),
        data_dir = %state.data.root().display(),
        "trajet is serving"
    );
    if let Some(listener) = metrics_listener {
        tracing::info!(listen = %listener.local_addr()?, "metrics served on their own listener");
        // Dropped with the runtime once the service has shut down: a scrape needs no grace.
        let metrics = crate::router::metrics_router(&state);
        tokio::spawn(crate::server::serve(
            listener,
            metrics,
            limits.clone(),
            std::future::pending(),
        ));
    }
    crate::server::serve(listener, router, limits, crate::server::shutdown_signal()).await;
    state.0.flush_usage().await;
    Ok(())
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let data = crate::data_dir::DataDir::open(&config.data_dir)?;
    let db = crate::db::Database::connect(&config.database, data.root()).await?;
    let migrated = db.migrate().await?;
    match migrated.applied.as_slice() {
        [] => println!(
            "The {} database is up to date (schema version {}).",
            db.backend().name(),
            migrated.version
        ),
        applied => println!(
            "Applied migrations {applied:?}: the {} database is at schema version {}.",
            db.backend().name(),
            migrated.version
        ),
    }
    db.close().await;
    Ok(())
}

async fn check_config(
    config: Config,
    explained: Vec<crate::config::Explained>,
) -> anyhow::Result<()> {
    println!(
        "{:<30} {:<36} {:<12} meaning (environment variable)",
        "setting (file key)", "value", "from"
    );
    for e in &explained {
        println!(
            "{:<30} {:<36} {:<12} {} ({})",
            e.key, e.value, e.source, e.help, e.env
        );
    }
    crate::data_dir::DataDir::open(&config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "the data directory {} cannot be used: {e}",
            config.data_dir.display()
        )
    })?;
    println!("\ndata directory {} is usable", config.data_dir.display());
    let state = App::open(config).await?;
    println!(
        "database ({}) answers, schema up to date",
        state.db.backend().name()
    );
    let publications = state.catalog.store().publications();
    match publications.ping().await {
        Ok(()) => println!("publication files ({}) answer", publications.describe()),
        Err(e) => anyhow::bail!(
            "publication files ({}) do not answer: {e:#}",
            publications.describe()
        ),
    }
    match state.sessions.ping().await {
        Ok(()) => println!("session store ({}) answers", state.sessions.backend()),
        Err(e) => anyhow::bail!(
            "session store ({}) does not answer: {e}",
            state.sessions.backend()
        ),
    }
    Ok(())
}

async fn run_admin(admin: Admin, config: &Config) -> anyhow::Result<()> {
    match admin {
        Admin::CreateOperator { name } | Admin::CreatePublisher { name }
            if name.trim().is_empty() =>
        {
            anyhow::bail!("the name must not be empty")
        }
        Admin::CreateOperator { name } => print_new_key(
            accounts::open_for_cli(config)
                .await?
                .create_with_key(Role::Operator, &name)
                .await?,
        ),
        Admin::CreatePublisher { name } => print_new_key(
            accounts::open_for_cli(config)
                .await?
                .create_with_key(Role::Publisher, &name)
                .await?,
        ),
        Admin::RevokeKey { key_id } => {
            accounts::open_for_cli(config)
                .await?
                .revoke_key(&key_id)
                .await?;
            println!("revoked key {key_id}");
        }
        Admin::RotateSigningKey => {
            let id = signing_keys(config)
                .await?
                .0
                .rotate(crate::seat_codes::unix_now())
                .await?;
            println!(
                "New seat codes are signed with key {id}; codes signed before stay valid until their windows end."
            );
            println!("{id}");
        }
        Admin::RevokeSigningKey { key_id } => {
            let now = crate::seat_codes::unix_now();
            let (keys, db) = signing_keys(config).await?;
            let revocation = keys.revoke(key_id, now).await?;
            println!(
                "Revoked signing key {key_id}: the codes it signed are refused now. \
                 New codes are signed with key {}.",
                revocation.signer
            );
            let grace = i64::try_from(config.window_after.as_secs()).unwrap_or(i64::MAX);
            let trips = crate::trips::labelled_until(
                &db,
                revocation.signed_until,
                now.saturating_sub(grace),
            )
            .await?;
            print_trips_to_relabel(key_id, &trips);
            print_sets_to_relabel(key_id, &revocation.train_sets);
            println!("{}", revocation.signer);
        }
    }
    Ok(())
}

/// The signing keys of the configured database, for the admin commands,
/// and that database.
async fn signing_keys(
    config: &Config,
) -> anyhow::Result<(crate::seat_codes::KeyStore, crate::db::Database)> {
    let data = crate::data_dir::DataDir::open(&config.data_dir)?;
    let db = crate::db::Database::open(&config.database, data.root()).await?;
    let keys = crate::seat_codes::KeyStore::open(
        &db,
        &config.database.master_key_file(data.root()),
        crate::seat_codes::unix_now(),
    )
    .await?;
    Ok((keys, db))
}

/// The trips whose seat labels a revoked key may have signed and that still
/// run: the operator must print them again.
fn print_trips_to_relabel(key_id: u8, trips: &[crate::trips::Trip]) {
    if trips.is_empty() {
        println!("No trip still to run has labels printed while key {key_id} signed.");
        return;
    }
    println!(
        "Print the seat labels of these {} trips again (their labels may carry key {key_id}):",
        trips.len()
    );
    for trip in trips {
        let departs = trip.departs_at.with_timezone(&trip.timezone);
        println!(
            "  operator {}  trip {}  {}  train {}  {} -> {}  departs {}",
            trip.operator.as_deref().unwrap_or("?"),
            trip.id.get(),
            trip.service_date,
            trip.train_number,
            trip.origin,
            trip.destination,
            departs.format("%H:%M %Z"),
        );
    }
}

/// The train sets whose labels (printed once, no end) the revoked key
/// signed: they must be printed again; their sheets now sign with the new key.
fn print_sets_to_relabel(key_id: u8, sets: &[crate::vehicles::label_keys::LabelledSet]) {
    if sets.is_empty() {
        return;
    }
    println!(
        "Print the seat labels of these {} train sets again (their labels carry key {key_id}):",
        sets.len()
    );
    for set in sets {
        println!(
            "  operator {}  train set {}  {}",
            set.operator, set.vehicle_ref, set.label
        );
    }
}

async fn run_import(import: Import, config: &Config) -> anyhow::Result<()> {
    let accounts = accounts::open_for_cli(config).await?;
    match import {
        Import::Gtfs {
            operator,
            file,
            from,
            to,
            all_route_types,
            seats,
        } => {
            let mut options = crate::trips::gtfs::ImportOptions::new(from, to);
            options.all_route_types = all_route_types;
            options.limits = config.gtfs.clone();
            options.default_seats =
                crate::trips::Seats::new(seats).map_err(|e| anyhow::anyhow!("--seats {e}"))?;
            crate::trips::import_gtfs(config, &accounts, operator.as_deref(), &file, &options).await
        }
        Import::Epub { publisher, paths } => {
            crate::catalog::import::import_epubs(config, &accounts, &publisher, &paths).await
        }
    }
}

fn print_new_key((account, key): (accounts::Account, String)) {
    println!("{:?} {} ({})", account.role, account.id, account.name);
    println!("Keep this API key now; it is shown only once:");
    println!("{key}");
}
