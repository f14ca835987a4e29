//! Settings from a TOML file (`TRAJET_CONFIG`) and the environment, with
//! defaults that run locally. `trajet check-config` prints every setting, its
//! value, where the value came from and what it does.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::assets::{Assets, BUILT_IN};

/// A value that must never reach a log, an error or a debug print.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        })
    }
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            other => Err(format!("expected \"human\" or \"json\", got {other:?}")),
        }
    }
}

/// Which tokio runtime serves requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// `current_thread` when the process may run on one CPU only, else `multi_thread`.
    Auto,
    /// Everything on one thread (blocking work still goes to the blocking pool).
    CurrentThread,
    /// A worker thread per CPU (or `worker_threads`).
    MultiThread,
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuntimeKind::Auto => "auto",
            RuntimeKind::CurrentThread => "current_thread",
            RuntimeKind::MultiThread => "multi_thread",
        })
    }
}

impl FromStr for RuntimeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "current_thread" => Ok(Self::CurrentThread),
            "multi_thread" => Ok(Self::MultiThread),
            other => Err(format!(
                "expected \"auto\", \"current_thread\" or \"multi_thread\", got {other:?}"
            )),
        }
    }
}

/// The tokio runtime to serve with, and how many workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeSettings {
    /// The runtime flavour.
    pub kind: RuntimeKind,
    /// Worker threads of the multi-threaded runtime; 0: one per CPU the process may use.
    pub worker_threads: usize,
}

impl RuntimeSettings {
    /// Builds the runtime. `auto` picks `current_thread` when the process may
    /// use one CPU only (e.g. pinned with `taskset`): a multi-threaded runtime
    /// with a single worker only adds cross-thread wake-ups; the load test
    /// measured the chapter route 1.16x faster on `current_thread` on one core.
    pub fn build(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = if self.worker_threads == 0 {
            cpus
        } else {
            self.worker_threads
        };
        let multi = match self.kind {
            RuntimeKind::Auto => workers > 1,
            RuntimeKind::CurrentThread => false,
            RuntimeKind::MultiThread => true,
        };
        let mut builder = if multi {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(workers);
            b
        } else {
            tokio::runtime::Builder::new_current_thread()
        };
        builder.enable_all().build()
    }
}

/// Limits and timeouts of the HTTP server.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// A client must send a request's headers within this time.
    pub header_timeout: Duration,
    /// A keep-alive connection with no traffic for this long is closed.
    pub idle_timeout: Duration,
    /// A whole request body must arrive within this time (plus its size at
    /// `body_min_bytes_per_second`); not reset by each chunk.
    pub body_timeout: Duration,
    /// The slowest average rate a large body may arrive at.
    pub body_min_bytes_per_second: u64,
    /// Open connections above this are refused at accept.
    pub max_connections: usize,
    /// Largest body of an ordinary JSON request.
    pub json_body_limit: usize,
    /// Largest EPUB or GTFS upload.
    pub upload_limit: usize,
    /// Open connections one peer address may hold (trusted proxies: no share).
    pub max_connections_per_address: usize,
    /// Proxies whose `Forwarded`/`X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
}

/// The proxies (CIDR blocks) whose forwarding headers are believed; empty:
/// none, every client is its TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

impl FromStr for TrustedProxies {
    type Err = String;
    /// A list of CIDR blocks or single addresses, separated by commas or spaces.
    fn from_str(s: &str) -> Result<Self, String> {
        s.split([',', ' '])
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<ipnet::IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("{part:?} is not a CIDR block such as 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// Limits of a GTFS import: sized for a national rail feed, and no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GtfsLimits {
    /// Largest inflated size of one file of the zip.
    pub max_entry_bytes: u64,
    /// Largest inflated size of the files read, together.
    pub max_inflated_bytes: u64,
    /// Most trips (one per service date and run) one import may create or update.
    pub max_trips: usize,
    /// Skipped rows an import's report lists; all are counted by reason.
    pub skipped_rows_shown: usize,
    /// Imports running at once.
    pub concurrent_imports: usize,
    /// How long an import waits for its turn before a `503` with `Retry-After`.
    pub queue_wait: Duration,
}

impl Default for GtfsLimits {
    /// Streaming keeps memory flat whatever the sizes; the size caps bound
    /// the time a feed (or a zip bomb) may hold a core. A national rail feed
    /// (all TER, Intercités and TGV of France, a year of service) inflates to
    /// about 150 MB with a 100 MB `stop_times.txt`; the caps leave room for
    /// the largest ones and refuse a gigabyte-scale bomb within seconds.
    fn default() -> Self {
        Self {
            max_entry_bytes: 512 << 20,
            max_inflated_bytes: 1 << 30,
            max_trips: 200_000,
            skipped_rows_shown: 100,
            concurrent_imports: 1,
            queue_wait: Duration::from_secs(10),
        }
    }
}

/// How operators' GTFS-Realtime feeds are fetched (each feed's URLs, period
/// and staleness are the operator's, set by API or console).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealtimeLimits {
    /// The whole fetch (connect, headers, body) must end within this.
    pub fetch_timeout: Duration,
    /// Largest body accepted; a longer one is refused whole.
    pub max_feed_bytes: usize,
    /// Longest wait between tries of a failing feed (the backoff doubles up to it).
    pub max_backoff: Duration,
    /// Unknown trips and vehicles the console lists per feed (all are counted).
    pub unmatched_shown: usize,
    /// Feeds may be on loopback, private, link-local or other non-public
    /// addresses (a producer inside the operator's network; tests).
    pub allow_private_feeds: bool,
}

impl Default for RealtimeLimits {
    /// A national rail network's TripUpdates (10,000 trips with every stop)
    /// is a few megabytes; producers answer in well under a second.
    fn default() -> Self {
        Self {
            fetch_timeout: Duration::from_secs(10),
            max_feed_bytes: 32 << 20,
            max_backoff: Duration::from_secs(600),
            unmatched_shown: 20,
            allow_private_feeds: false,
        }
    }
}

/// Everything trajet reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Address serving `/metrics` alone; `None`: `/metrics` is on the public listener.
    pub metrics_listen: Option<SocketAddr>,
    /// Durable state: catalog, trips, accounts, keys.
    pub data_dir: PathBuf,
    /// Base URL printed in seat codes, without a trailing slash.
    pub public_url: String,
    /// Redis for sessions; in-memory sessions when unset.
    pub redis_url: Option<Secret<String>>,
    /// Where durable state lives: `None` is SQLite in the data directory.
    pub database: DatabaseSettings,
    /// Where the publication files live: `None` is the data directory.
    pub publications: Option<crate::publications::BucketSettings>,
    /// Whether cookies carry the `Secure` flag.
    pub cookie_secure: bool,
    /// Log output format.
    pub log_format: LogFormat,
    /// The sample catalog loaded on first start: built in, a folder, or none.
    pub sample_catalog: Assets,
    /// The web pages (reader, consoles) served under `/static`: built in, or a folder.
    pub static_dir: Assets,
    /// A trip's window opens this long before departure.
    pub window_before: Duration,
    /// A trip's window closes this long after arrival.
    pub window_after: Duration,
    /// Time zone of trips created without one (GTFS imports take the agency's).
    pub default_timezone: chrono_tz::Tz,
    /// How many sessions one seat code may open over its window.
    pub sessions_per_seat_code: u32,
    /// Scans allowed per client address and minute (half of it at once).
    pub scans_per_minute_per_client: u32,
    /// Scans allowed per seat code and minute (half of it at once).
    pub scans_per_minute_per_seat_code: u32,
    /// Scans with a code that does not verify, per client address and minute.
    pub invalid_scans_per_minute_per_client: u32,
    /// EPUB uploads and GTFS imports per API key and minute (half at once).
    pub uploads_per_minute_per_key: u32,
    /// Connection and response timeout of each Redis call.
    pub redis_timeout: Duration,
    /// `Retry-After` sent while the session store is unavailable.
    pub retry_after: Duration,
    /// How often usage counters are added to the database (what a crash may lose).
    pub usage_flush: Duration,
    /// Memory budget for chapters kept hot in memory.
    pub chapter_cache_bytes: usize,
    /// HTTP server limits.
    pub http: HttpLimits,
    /// The tokio runtime.
    pub runtime: RuntimeSettings,
    /// Limits of GTFS imports.
    pub gtfs: GtfsLimits,
    /// Fetching of GTFS-Realtime feeds.
    pub realtime: RealtimeLimits,
}

/// One line of `trajet check-config`.
#[derive(Debug, Clone)]
pub struct Explained {
    /// Key in the TOML file.
    pub key: &'static str,
    /// Environment variable that overrides the file.
    pub env: &'static str,
    /// The value in force (secrets masked).
    pub value: String,
    /// Where the value came from: default, file or environment.
    pub source: &'static str,
    /// What the setting does.
    pub help: &'static str,
}

/// Reads settings from the file, then the environment, then defaults.
struct Loader<'a> {
    file: toml::Table,
    env: &'a dyn Fn(&str) -> Option<String>,
    explained: Vec<Explained>,
}

impl Loader<'_> {
    fn get<T>(
        &mut self,
        key: &'static str,
        env: &'static str,
        default: T,
        help: &'static str,
    ) -> anyhow::Result<T>
    where
        T: FromStr + fmt::Display,
        T::Err: fmt::Display,
    {
        self.get_as(key, env, default, help, false)
    }

    fn get_as<T>(
        &mut self,
        key: &'static str,
        env: &'static str,
        default: T,
        help: &'static str,
        secret: bool,
    ) -> anyhow::Result<T>
    where
        T: FromStr + fmt::Display,
        T::Err: fmt::Display,
    {
        let (raw, source) = if let Some(v) = (self.env)(env) {
            (Some(v), "environment")
        } else if let Some(v) = self.file.get(key) {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (Some(text), "file")
        } else {
            (None, "default")
        };
        let value = match raw {
            Some(raw) => raw
                .trim()
                .parse::<T>()
                .map_err(|e| anyhow::anyhow!("setting `{key}` ({env}): {e}"))?,
            None => default,
        };
        let shown = if secret {
            "***".to_owned()
        } else {
            value.to_string()
        };
        self.explained.push(Explained {
            key,
            env,
            value: shown,
            source,
            help,
        });
        Ok(value)
    }

    fn get_optional_secret(
        &mut self,
        key: &'static str,
        env: &'static str,
        help: &'static str,
    ) -> anyhow::Result<Option<Secret<String>>> {
        Ok(self.get_optional_as(key, env, help, true)?.map(Secret::new))
    }

    /// A setting without a default: `None` when unset or empty.
    fn get_optional<T>(
        &mut self,
        key: &'static str,
        env: &'static str,
        help: &'static str,
    ) -> anyhow::Result<Option<T>>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.get_optional_as(key, env, help, false)?
            .map(|raw| raw.parse::<T>())
            .transpose()
            .map_err(|e| anyhow::anyhow!("setting `{key}` ({env}): {e}"))
    }

    fn get_optional_as(
        &mut self,
        key: &'static str,
        env: &'static str,
        help: &'static str,
        secret: bool,
    ) -> anyhow::Result<Option<String>> {
        let raw: String = self.get_as(key, env, String::new(), help, secret)?;
        if raw.is_empty() {
            if let Some(last) = self.explained.last_mut() {
                last.value = "(unset)".into();
            }
            return Ok(None);
        }
        Ok(Some(raw))
    }
}

/// The durable state's database and its connection pool.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `postgres://…`, or `None` for SQLite in the data directory.
    pub url: Option<Secret<String>>,
    /// The file of the key that seals the seat-code signing secrets in the
    /// database; `None`: `keys/master.key` in the data directory.
    pub master_key_file: Option<PathBuf>,
    /// Connections the pool keeps open at most.
    pub max_connections: u32,
    /// How long a query waits for a free connection (and a connection for the server).
    pub acquire_timeout: Duration,
}

impl DatabaseSettings {
    /// The master key file: the one configured, else `keys/master.key` in `data_dir`.
    pub fn master_key_file(&self, data_dir: &std::path::Path) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| data_dir.join(crate::seat_codes::MASTER_KEY_FILE))
    }
}

/// `TRAJET_PUBLICATIONS_URL` and, with it, the standard `AWS_*` settings.
fn publications_settings(
    l: &mut Loader<'_>,
) -> anyhow::Result<Option<crate::publications::BucketSettings>> {
    let url: Option<String> = l.get_optional(
        "publications_url",
        "TRAJET_PUBLICATIONS_URL",
        "S3-compatible object storage for the publication files (s3://bucket/prefix), shared by every instance; unset: the data directory",
    )?;
    let endpoint: Option<String> = l.get_optional(
        "aws_endpoint_url",
        "AWS_ENDPOINT_URL",
        "endpoint of an S3-compatible store other than AWS (with publications_url)",
    )?;
    let region: Option<String> = l.get_optional(
        "aws_region",
        "AWS_REGION",
        "region of the bucket (with publications_url)",
    )?;
    let access_key_id: Option<String> = l.get_optional(
        "aws_access_key_id",
        "AWS_ACCESS_KEY_ID",
        "access key of the bucket (with publications_url); unset: the platform's identity",
    )?;
    let secret_access_key = l.get_optional_secret(
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        "secret key of the bucket (with publications_url)",
    )?;
    let allow_http: bool = l.get(
        "aws_allow_http",
        "AWS_ALLOW_HTTP",
        false,
        "allow plain http to the endpoint (a store on the same host or network)",
    )?;
    let Some(url) = url else { return Ok(None) };
    let settings = crate::publications::BucketSettings {
        url,
        endpoint,
        region,
        access_key_id,
        secret_access_key,
        allow_http,
    };
    settings
        .bucket_and_prefix()
        .context("setting `publications_url` (TRAJET_PUBLICATIONS_URL)")?;
    Ok(Some(settings))
}

fn database_settings(l: &mut Loader<'_>) -> anyhow::Result<DatabaseSettings> {
    let url = l.get_optional_secret(
        "database_url",
        "DATABASE_URL",
        "PostgreSQL for durable state (postgres://…); unset: SQLite in the data directory",
    )?;
    if let Some(url) = &url {
        let scheme = url.expose().split("://").next().unwrap_or("");
        if !matches!(scheme, "postgres" | "postgresql") {
            bail!(
                "setting `database_url` (DATABASE_URL): must start with postgres:// (unset: SQLite in the data directory)"
            );
        }
    }
    let master_key_file: String = l.get(
        "master_key_file",
        "TRAJET_MASTER_KEY_FILE",
        String::new(),
        "file of the key sealing the signing keys in the database (same on every instance); unset: keys/master.key in the data directory",
    )?;
    let max_connections: u32 = l.get(
        "database_max_connections",
        "TRAJET_DATABASE_MAX_CONNECTIONS",
        8,
        "connections to the database kept open at most",
    )?;
    let acquire_s: u64 = l.get(
        "database_timeout_s",
        "TRAJET_DATABASE_TIMEOUT_S",
        5,
        "seconds a request waits for a database connection before answering 503",
    )?;
    Ok(DatabaseSettings {
        url,
        master_key_file: (!master_key_file.is_empty()).then(|| master_key_file.into()),
        max_connections: max_connections.max(1),
        acquire_timeout: Duration::from_secs(acquire_s.max(1)),
    })
}

/// The settings of GTFS imports, in their own block.
fn gtfs_limits(l: &mut Loader<'_>) -> anyhow::Result<GtfsLimits> {
    let default = GtfsLimits::default();
    let entry_mib: u64 = l.get(
        "gtfs_max_entry_mib",
        "TRAJET_GTFS_MAX_ENTRY_MIB",
        default.max_entry_bytes >> 20,
        "largest inflated size of one file of a GTFS zip (refused with 413 naming the file)",
    )?;
    let inflated_mib: u64 = l.get(
        "gtfs_max_inflated_mib",
        "TRAJET_GTFS_MAX_INFLATED_MIB",
        default.max_inflated_bytes >> 20,
        "largest inflated size of all the files of a GTFS zip together",
    )?;
    let max_trips: usize = l.get(
        "gtfs_max_trips",
        "TRAJET_GTFS_MAX_TRIPS",
        default.max_trips,
        "most trips one GTFS import may create or update (one per date and run)",
    )?;
    let shown: usize = l.get(
        "gtfs_skipped_rows_shown",
        "TRAJET_GTFS_SKIPPED_ROWS_SHOWN",
        default.skipped_rows_shown,
        "skipped rows an import report lists (all are counted by reason)",
    )?;
    let concurrent: usize = l.get(
        "gtfs_concurrent_imports",
        "TRAJET_GTFS_CONCURRENT_IMPORTS",
        default.concurrent_imports,
        "GTFS imports running at once; further ones wait their turn",
    )?;
    let wait_s: u64 = l.get(
        "gtfs_queue_wait_seconds",
        "TRAJET_GTFS_QUEUE_WAIT_SECONDS",
        default.queue_wait.as_secs(),
        "how long an import waits for its turn before a 503 with Retry-After",
    )?;
    Ok(GtfsLimits {
        max_entry_bytes: entry_mib.max(1) << 20,
        max_inflated_bytes: inflated_mib.max(1) << 20,
        max_trips: max_trips.max(1),
        skipped_rows_shown: shown,
        concurrent_imports: concurrent.max(1),
        queue_wait: Duration::from_secs(wait_s),
    })
}

/// The settings of GTFS-Realtime fetches, in their own block.
fn realtime_limits(l: &mut Loader<'_>) -> anyhow::Result<RealtimeLimits> {
    let default = RealtimeLimits::default();
    let timeout_s: u64 = l.get(
        "realtime_fetch_timeout_seconds",
        "TRAJET_REALTIME_FETCH_TIMEOUT_SECONDS",
        default.fetch_timeout.as_secs(),
        "a GTFS-Realtime fetch that has not ended by then fails (the previous state stays)",
    )?;
    let max_kib: usize = l.get(
        "realtime_max_feed_kib",
        "TRAJET_REALTIME_MAX_FEED_KIB",
        default.max_feed_bytes >> 10,
        "largest GTFS-Realtime body accepted; a larger one is refused whole",
    )?;
    let backoff_s: u64 = l.get(
        "realtime_max_backoff_seconds",
        "TRAJET_REALTIME_MAX_BACKOFF_SECONDS",
        default.max_backoff.as_secs(),
        "longest wait between tries of a failing feed (the wait doubles from the feed's period)",
    )?;
    let shown: usize = l.get(
        "realtime_unmatched_shown",
        "TRAJET_REALTIME_UNMATCHED_SHOWN",
        default.unmatched_shown,
        "unknown trips and vehicles listed per feed on the console (all are counted)",
    )?;
    let allow_private: bool = l.get(
        "realtime_allow_private_feeds",
        "TRAJET_REALTIME_ALLOW_PRIVATE_FEEDS",
        default.allow_private_feeds,
        "let operators' feed URLs reach loopback, private, link-local and other non-public \
         addresses (off: public addresses only, checked at save and at every connection)",
    )?;
    Ok(RealtimeLimits {
        fetch_timeout: Duration::from_secs(timeout_s.max(1)),
        max_feed_bytes: max_kib.max(1) << 10,
        max_backoff: Duration::from_secs(backoff_s.max(1)),
        unmatched_shown: shown,
        allow_private_feeds: allow_private,
    })
}

impl Config {
    /// Loads the configuration from `TRAJET_CONFIG` (if set) and the process environment.
    pub fn load() -> anyhow::Result<(Self, Vec<Explained>)> {
        Self::load_from(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Loads the configuration with an explicit environment (tests use this).
    pub fn load_from(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<(Self, Vec<Explained>)> {
        let file = match env("TRAJET_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading the configuration file {path}"))?;
                text.parse::<toml::Table>()
                    .with_context(|| format!("parsing the configuration file {path}"))?
            }
            None => toml::Table::new(),
        };
        let mut l = Loader {
            file,
            env,
            explained: Vec::new(),
        };
        let listen: SocketAddr = l.get(
            "listen",
            "TRAJET_LISTEN",
            "127.0.0.1:8080".parse()?,
            "address the HTTP server binds",
        )?;
        let metrics_listen: Option<SocketAddr> = l.get_optional(
            "metrics_listen",
            "TRAJET_METRICS_LISTEN",
            "address serving /metrics alone, never on the public listener (set it in production: the metrics need no credentials); unset: /metrics on the listen address",
        )?;
        if metrics_listen == Some(listen) {
            bail!(
                "setting `metrics_listen` (TRAJET_METRICS_LISTEN): must differ from `listen` ({listen}), or the metrics would be public"
            );
        }
        let data_dir: String = l.get(
            "data_dir",
            "TRAJET_DATA_DIR",
            "./data".to_owned(),
            "durable state: catalog, trips, accounts, signing keys",
        )?;
        let public_url: String = l.get(
            "public_url",
            "TRAJET_PUBLIC_URL",
            format!("http://{listen}"),
            "base URL printed in seat codes (default: from the listen address)",
        )?;
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!(
                "setting `public_url` (TRAJET_PUBLIC_URL): must start with http:// or https://, got {public_url:?}"
            );
        }
        let redis_url = l.get_optional_secret(
            "redis_url",
            "REDIS_URL",
            "Redis for sessions: redis://host:port/, redis+sentinel://s1:26379,s2:26379/service or redis+cluster://n1:6379,n2:6379; unset: sessions in memory",
        )?;
        let database = database_settings(&mut l)?;
        let publications = publications_settings(&mut l)?;
        let local = is_local_plain_http(&public_url);
        let cookie_secure: bool = l.get(
            "cookie_secure",
            "TRAJET_COOKIE_SECURE",
            !local,
            "Secure flag on cookies (off by default only for plain-http localhost)",
        )?;
        let log_format: LogFormat = l.get_as(
            "log_format",
            "TRAJET_LOG_FORMAT",
            LogFormat::Human,
            "log output: human or json",
            false,
        )?;
        let sample_catalog: String = l.get(
            "sample_catalog",
            "TRAJET_SAMPLE_CATALOG",
            BUILT_IN.to_owned(),
            "sample catalog loaded on first start: built-in, a folder of unpacked EPUBs, or empty for none",
        )?;
        let static_dir: String = l.get(
            "static_dir",
            "TRAJET_STATIC_DIR",
            BUILT_IN.to_owned(),
            "web pages (reader, consoles): built-in, or a folder that replaces them",
        )?;
        let static_dir = match Assets::parse(&static_dir) {
            Assets::Off => bail!(
                "static_dir is empty: leave it unset for the built-in pages, or name a folder"
            ),
            pages => pages,
        };
        let before: u64 = l.get(
            "window_before_minutes",
            "TRAJET_WINDOW_BEFORE_MINUTES",
            30,
            "a trip's window opens this many minutes before departure",
        )?;
        let after: u64 = l.get(
            "window_after_minutes",
            "TRAJET_WINDOW_AFTER_MINUTES",
            15,
            "a trip's window closes this many minutes after arrival",
        )?;
        let default_timezone: chrono_tz::Tz = l.get(
            "default_timezone",
            "TRAJET_DEFAULT_TIMEZONE",
            chrono_tz::UTC,
            "IANA time zone of trips created without one, e.g. Europe/Paris",
        )?;
        let sessions_per_seat_code: u32 = l.get(
            "sessions_per_seat_code",
            "TRAJET_SESSIONS_PER_SEAT_CODE",
            6,
            "sessions one seat code may open per trip (a regional train's seat changes occupants at many stops); operators may set their own (PUT /api/v1/operator/settings)",
        )?;
        let scans_per_client: u32 = l.get(
            "scans_per_minute_per_client",
            "TRAJET_SCANS_PER_MINUTE_PER_CLIENT",
            1200,
            "valid scans one client address may make per minute (half at once): a full train behind one NAT or proxy boards at once; the per-seat-code limits are the real guard",
        )?;
        let scans_per_seat_code: u32 = l.get(
            "scans_per_minute_per_seat_code",
            "TRAJET_SCANS_PER_MINUTE_PER_SEAT_CODE",
            12,
            "scans of one seat code per minute (half at once)",
        )?;
        let redis_ms: u64 = l.get(
            "redis_timeout_ms",
            "TRAJET_REDIS_TIMEOUT_MS",
            500,
            "connect and response timeout of each Redis call",
        )?;
        let retry_after: u64 = l.get(
            "retry_after_seconds",
            "TRAJET_RETRY_AFTER_SECONDS",
            5,
            "Retry-After sent while the session store is down",
        )?;
        let usage_flush_s: u64 = l.get(
            "usage_flush_seconds",
            "TRAJET_USAGE_FLUSH_SECONDS",
            30,
            "how often usage counters reach the database (a killed instance loses at most this much)",
        )?;
        let cache_mib: usize = l.get(
            "chapter_cache_mib",
            "TRAJET_CHAPTER_CACHE_MIB",
            64,
            "memory budget for chapters kept hot in memory",
        )?;
        let header_s: u64 = l.get(
            "http_header_timeout_seconds",
            "TRAJET_HTTP_HEADER_TIMEOUT_SECONDS",
            10,
            "a client must send its headers within this time",
        )?;
        let idle_s: u64 = l.get(
            "http_idle_timeout_seconds",
            "TRAJET_HTTP_IDLE_TIMEOUT_SECONDS",
            75,
            "idle keep-alive connections are closed after this",
        )?;
        let body_s: u64 = l.get(
            "http_body_timeout_seconds",
            "TRAJET_HTTP_BODY_TIMEOUT_SECONDS",
            60,
            "a whole request body must arrive within this many seconds of its headers, plus its size at http_body_min_rate_kib (not restarted by each chunk: a client trickling bytes is cut off)",
        )?;
        let body_min_rate_kib: u64 = l.get(
            "http_body_min_rate_kib",
            "TRAJET_HTTP_BODY_MIN_RATE_KIB",
            32,
            "slowest average rate, in KiB per second, at which a large body (an upload) may arrive",
        )?;
        let max_connections: usize = l.get(
            "http_max_connections",
            "TRAJET_HTTP_MAX_CONNECTIONS",
            10_000,
            "open connections above this are refused",
        )?;
        let json_kib: usize = l.get(
            "json_body_limit_kib",
            "TRAJET_JSON_BODY_LIMIT_KIB",
            64,
            "largest ordinary JSON request body",
        )?;
        let upload_mib: usize = l.get(
            "upload_limit_mib",
            "TRAJET_UPLOAD_LIMIT_MIB",
            50,
            "largest EPUB or GTFS upload",
        )?;
        // Clients under hostile load: addresses, connection shares, rates.
        let trusted_proxies: TrustedProxies = l.get(
            "trusted_proxies",
            "TRAJET_TRUSTED_PROXIES",
            TrustedProxies::default(),
            "CIDR blocks of the proxies whose Forwarded/X-Forwarded-For is believed (right-most untrusted hop is the client); unset: none",
        )?;
        let per_address: usize = l.get(
            "http_max_connections_per_address",
            "TRAJET_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
            256,
            "open connections one peer address may hold (trusted proxies are exempt); the rest of http_max_connections stays for others",
        )?;
        let invalid_scans: u32 = l.get(
            "invalid_scans_per_minute_per_client",
            "TRAJET_INVALID_SCANS_PER_MINUTE_PER_CLIENT",
            60,
            "scans with a code that does not verify, per client address and minute (half at once); counted apart from valid scans",
        )?;
        let uploads_per_key: u32 = l.get(
            "uploads_per_minute_per_key",
            "TRAJET_UPLOADS_PER_MINUTE_PER_KEY",
            60,
            "EPUB uploads and GTFS imports one API key may make per minute (half at once)",
        )?;
        let runtime_kind: RuntimeKind = l.get_as(
            "runtime",
            "TRAJET_RUNTIME",
            RuntimeKind::Auto,
            "tokio runtime: auto (current_thread on one CPU, else multi_thread), current_thread or multi_thread",
            false,
        )?;
        let worker_threads: usize = l.get(
            "worker_threads",
            "TRAJET_WORKER_THREADS",
            0,
            "worker threads of the multi-threaded runtime (0: one per usable CPU; 1 with auto: current_thread)",
        )?;
        let config = Config {
            listen,
            metrics_listen,
            data_dir: data_dir.into(),
            public_url,
            redis_url,
            database,
            publications,
            cookie_secure,
            log_format,
            sample_catalog: Assets::parse(&sample_catalog),
            static_dir,
            window_before: Duration::from_secs(before * 60),
            window_after: Duration::from_secs(after * 60),
            default_timezone,
            sessions_per_seat_code,
            scans_per_minute_per_client: scans_per_client.max(1),
            scans_per_minute_per_seat_code: scans_per_seat_code.max(1),
            invalid_scans_per_minute_per_client: invalid_scans.max(1),
            uploads_per_minute_per_key: uploads_per_key.max(1),
            redis_timeout: Duration::from_millis(redis_ms.max(1)),
            retry_after: Duration::from_secs(retry_after.max(1)),
            usage_flush: Duration::from_secs(usage_flush_s.max(1)),
            chapter_cache_bytes: cache_mib << 20,
            http: HttpLimits {
                header_timeout: Duration::from_secs(header_s.max(1)),
                idle_timeout: Duration::from_secs(idle_s.max(1)),
                body_timeout: Duration::from_secs(body_s.max(1)),
                body_min_bytes_per_second: body_min_rate_kib.max(1) << 10,
                max_connections: max_connections.max(1),
                json_body_limit: json_kib << 10,
                upload_limit: upload_mib << 20,
                max_connections_per_address: per_address.max(1),
                trusted_proxies,
            },
            runtime: RuntimeSettings {
                kind: runtime_kind,
                worker_threads,
            },
            gtfs: gtfs_limits(&mut l)?,
            realtime: realtime_limits(&mut l)?,
        };
        Ok((config, l.explained))
    }

    /// A configuration for tests: a given data directory, in-memory sessions, no sample catalog.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        let env = |name: &str| match name {
            "TRAJET_SAMPLE_CATALOG" => Some(String::new()),
            _ => None,
        };
        let (mut config, _) = Self::load_from(&env).expect("default configuration is valid");
        config.data_dir = data_dir.into();
        config.sample_catalog = Assets::Off;
        config.static_dir =
            Assets::Folder(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static"));
        config
    }
}

fn is_local_plain_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', ':']).next().unwrap_or("");
    let host = if rest.starts_with('[') {
        rest.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<(Config, Vec<Explained>)> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_from(&move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_run_locally_with_memory_sessions_and_insecure_cookies() {
        let (config, _) = load(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert!(config.redis_url.is_none());
        assert!(!config.cookie_secure);
    }

    #[test]
    fn public_https_url_turns_secure_cookies_on() {
        let (config, _) = load(&[("TRAJET_PUBLIC_URL", "https://lire.example-rail.fr/")]).unwrap();
        assert_eq!(config.public_url, "https://lire.example-rail.fr");
        assert!(config.cookie_secure);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trajet.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nsessions_per_seat_code = 5\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let (config, explained) =
            load(&[("TRAJET_CONFIG", p), ("TRAJET_LISTEN", "127.0.0.1:9100")]).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.sessions_per_seat_code, 5);
        let (config, _) = load(&[("TRAJET_SCANS_PER_MINUTE_PER_CLIENT", "50000")]).unwrap();
        assert_eq!(config.scans_per_minute_per_client, 50_000);
        assert_eq!(config.scans_per_minute_per_seat_code, 12);
        assert_eq!(config.default_timezone, chrono_tz::UTC);
        let (config, _) = load(&[("TRAJET_DEFAULT_TIMEZONE", "Europe/Paris")]).unwrap();
        assert_eq!(config.default_timezone, chrono_tz::Europe::Paris);
        let error = load(&[("TRAJET_DEFAULT_TIMEZONE", "Europe/Atlantis")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("default_timezone"), "{error}");
        let k = explained
            .iter()
            .find(|e| e.key == "sessions_per_seat_code")
            .unwrap();
        assert_eq!(k.source, "file");
    }

    #[test]
    fn metrics_listen_is_unset_by_default_explained_and_never_the_public_address() {
        let (config, explained) = load(&[]).unwrap();
        assert_eq!(config.metrics_listen, None);
        let line = explained
            .iter()
            .find(|e| e.env == "TRAJET_METRICS_LISTEN")
            .unwrap();
        assert_eq!(
            (line.key, line.value.as_str()),
            ("metrics_listen", "(unset)")
        );
        assert!(
            line.help.contains("never on the public listener"),
            "{}",
            line.help
        );
        let (config, explained) = load(&[("TRAJET_METRICS_LISTEN", "127.0.0.1:9464")]).unwrap();
        assert_eq!(
            config.metrics_listen,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let line = explained
            .iter()
            .find(|e| e.key == "metrics_listen")
            .unwrap();
        assert_eq!(
            (line.value.as_str(), line.source),
            ("127.0.0.1:9464", "environment")
        );
        for (value, expected) in [
            ("metrics", "metrics_listen"),
            ("127.0.0.1:8080", "must differ"),
        ] {
            let error = load(&[("TRAJET_METRICS_LISTEN", value)])
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{value}: {error}");
        }
    }

    #[test]
    fn trusted_proxies_are_a_cidr_list_and_a_bad_entry_is_refused() {
        let (config, _) = load(&[(
            "TRAJET_TRUSTED_PROXIES",
            "10.0.0.0/8, 192.0.2.7 2001:db8::/32",
        )])
        .unwrap();
        let proxies = &config.http.trusted_proxies;
        for inside in ["10.1.2.3", "192.0.2.7", "::ffff:10.9.9.9", "2001:db8:5::1"] {
            assert!(proxies.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["11.0.0.1", "192.0.2.8", "2001:db9::1"] {
            assert!(!proxies.contains(outside.parse().unwrap()), "{outside}");
        }
        let (config, _) = load(&[]).unwrap();
        assert!(
            !config
                .http
                .trusted_proxies
                .contains("127.0.0.1".parse().unwrap())
        );
        let error = load(&[("TRAJET_TRUSTED_PROXIES", "10.0.0.0/33")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("TRAJET_TRUSTED_PROXIES"), "{error}");
    }

    #[test]
    fn publications_stay_in_the_data_directory_unless_an_s3_url_is_set() {
        let (config, _) = Config::load_from(&|_| None).unwrap();
        assert!(config.publications.is_none());
        let env = |name: &str| match name {
            "TRAJET_PUBLICATIONS_URL" => Some("s3://books/prod".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9000".to_owned()),
            "AWS_ALLOW_HTTP" => Some("true".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("hunter2".to_owned()),
            _ => None,
        };
        let (config, explained) = Config::load_from(&env).unwrap();
        let bucket = config.publications.unwrap();
        assert_eq!(bucket.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(bucket.allow_http);
        let secret = explained
            .iter()
            .find(|e| e.env == "AWS_SECRET_ACCESS_KEY")
            .unwrap();
        assert!(
            !secret.value.contains("hunter2"),
            "the secret key never prints"
        );
        let wrong = |name: &str| (name == "TRAJET_PUBLICATIONS_URL").then(|| "gs://books".into());
        let error = Config::load_from(&wrong).unwrap_err();
        assert!(
            format!("{error:#}").contains("TRAJET_PUBLICATIONS_URL"),
            "{error:#}"
        );
    }

    #[test]
    fn redis_url_never_prints() {
        let (config, explained) = load(&[("REDIS_URL", "redis://:hunter2@127.0.0.1/")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(explained.iter().all(|e| !e.value.contains("hunter2")));
    }

    #[test]
    fn a_bad_value_names_the_setting() {
        let err = load(&[("TRAJET_LISTEN", "not an address")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("TRAJET_LISTEN"), "{err}");
    }

    #[test]
    fn the_runtime_follows_the_setting_and_auto_uses_one_thread_for_one_worker() {
        use tokio::runtime::RuntimeFlavor;
        let flavor = |vars: &[(&str, &str)]| {
            let (config, _) = load(vars).unwrap();
            config.runtime.build().unwrap().handle().runtime_flavor()
        };
        assert_eq!(
            flavor(&[("TRAJET_RUNTIME", "current_thread")]),
            RuntimeFlavor::CurrentThread
        );
        assert_eq!(
            flavor(&[
                ("TRAJET_RUNTIME", "multi_thread"),
                ("TRAJET_WORKER_THREADS", "1")
            ]),
            RuntimeFlavor::MultiThread
        );
        assert_eq!(
            flavor(&[("TRAJET_WORKER_THREADS", "1")]),
            RuntimeFlavor::CurrentThread
        );
        assert_eq!(
            flavor(&[("TRAJET_WORKER_THREADS", "2")]),
            RuntimeFlavor::MultiThread
        );
        let err = load(&[("TRAJET_RUNTIME", "fast")]).unwrap_err().to_string();
        assert!(err.contains("TRAJET_RUNTIME"), "{err}");
    }
}
