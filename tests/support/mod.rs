//! Test harness: real Redis (one server, a Cluster, Sentinels: [`redis_servers`]),
//! and the app built in-process or on a real socket. Every test isolates its
//! Redis keys by prefix.
//!
//! How to use it (`mod support;` at the top of a test file):
//! - Material from outside the repository: `let Some(corpus) =
//!   support::external::corpus() else { return };` (same for `schemas()`;
//!   `support::schemas::schema_errors` returns `None` the same way). Missing,
//!   the test's skip is recorded and `scripts/test.sh` counts it; with `CI` set
//!   it fails. A missing tool: `support::external::skip("pdftoppm not
//!   installed")`, then return. Never read `../shared` or `TRAJET_CORPUS` yourself.
//!   A git worktree has no `../shared`: run with
//!   `TRAJET_CORPUS=<repo>/../shared/corpus TRAJET_SCHEMAS=<repo>/../shared/schemas`.
//! - Unit tests under `src/` have the same functions as `crate::external`.
//! - One contract on every session store: `use support::on_both_stores;` then
//!   `on_both_stores!(name_a, name_b);` over `async fn name_a(backend: Backend)`
//!   (or a fixture that is `From<Backend>`): memory, one Redis server, a
//!   Redis Cluster and Redis behind Sentinels.
//! - The database: the suite runs on SQLite, and again on a real PostgreSQL
//!   server with `TRAJET_TEST_DATABASE=postgres` (`scripts/test.sh` does both).
//!   `TestApp` follows it by itself; a test that starts the binary passes
//!   `support::database_url().await` as `DATABASE_URL` when it is `Some`.
//! - S3-compatible object storage: `let Some(bucket) = support::s3::bucket().await
//!   else { return };` gives a new bucket on this process's moto server (skip
//!   recorded when moto is missing; required with `CI` set);
//!   `TestApp::with_config` puts it in `config.publications`.
//! - Tests that make their own inputs (generated books, feeds, hostile bytes)
//!   need none of this: they run everywhere.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod books;
pub mod external;
pub mod feeds;
pub mod gtfs;
pub mod postgres;
pub mod process;
pub mod redis_servers;
pub mod s3;
pub mod schemas;

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use trajet::app::{App, AppState};
use trajet::config::{Config, Secret};
use trajet::data_dir::DataDir;
use trajet::sessions::{MemoryStore, RedisStore, RedisStoreConfig, SessionStore};

pub use redis_servers::{Redis, RedisCluster, RedisSentinel, RedisServer};

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static PREFIX: AtomicU32 = AtomicU32::new(0);

/// A key prefix unique to this test process and call.
pub fn unique_prefix() -> String {
    format!(
        "test{}-{}:",
        std::process::id(),
        PREFIX.fetch_add(1, Ordering::Relaxed)
    )
}

/// Which session store a test runs against.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Memory,
    /// One `redis-server` of the test's own.
    Redis,
    /// This test process's three-node Redis Cluster ([`RedisCluster::shared`]).
    RedisCluster,
    /// This test process's primary, replica and Sentinels ([`RedisSentinel::shared`]).
    RedisSentinel,
}

impl Backend {
    /// The Redis this backend runs on (`None` for memory): a server of the
    /// test's own, or this process's shared Cluster or Sentinels.
    pub fn redis(self) -> Option<RedisHandle> {
        match self {
            Backend::Memory => None,
            Backend::Redis => Some(RedisHandle::Own(RedisServer::start())),
            Backend::RedisCluster => Some(RedisHandle::Shared(RedisCluster::shared())),
            Backend::RedisSentinel => Some(RedisHandle::Shared(RedisSentinel::shared())),
        }
    }
}

/// A Redis deployment a test uses: its own server (kept alive by the
/// handle) or a shared one.
pub enum RedisHandle {
    Own(RedisServer),
    Shared(&'static dyn Redis),
}

impl RedisHandle {
    /// The deployment.
    pub fn get(&self) -> &dyn Redis {
        match self {
            RedisHandle::Own(server) => server,
            RedisHandle::Shared(redis) => *redis,
        }
    }
}

/// One contract, every session store: each named `async fn name(arg)` of
/// the calling file runs four times, as the tests `name::memory`,
/// `name::redis`, `name::redis_cluster` and `name::redis_sentinel`.
/// `arg` is a [`Backend`] or anything made `From<Backend>` (a fixture).
#[allow(unused_macros, reason = "only the session contract files use it")]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$name($crate::support::Backend::Memory.into()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                super::$name($crate::support::Backend::Redis.into()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis_cluster() {
                super::$name($crate::support::Backend::RedisCluster.into()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis_sentinel() {
                super::$name($crate::support::Backend::RedisSentinel.into()).await;
            }
        }
    )*};
}
#[allow(unused_imports, reason = "only the session contract files use it")]
pub(crate) use on_both_stores;

/// A Redis store on `redis` (any shape) under a key prefix.
pub fn redis_store(redis: &dyn Redis, prefix: &str, timeout: Duration) -> SessionStore {
    SessionStore::Redis(
        RedisStore::new(RedisStoreConfig {
            url: Secret::new(redis.url()),
            prefix: prefix.to_owned(),
            timeout,
        })
        .unwrap(),
    )
}

/// Which database this run of the suite uses: `None` is SQLite in the data
/// directory (the default); with `TRAJET_TEST_DATABASE=postgres`, a new empty
/// database on this test process's PostgreSQL server.
pub async fn database_url() -> Option<String> {
    match std::env::var("TRAJET_TEST_DATABASE").as_deref() {
        Ok("postgres") => postgres::database_url().await,
        Ok("sqlite") | Err(_) => None,
        Ok(other) => panic!("TRAJET_TEST_DATABASE={other}: expected sqlite or postgres"),
    }
}

/// The app under test, with its data directory.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The data directory (shared with [`TestApp::another_instance`]s).
    pub dir: std::sync::Arc<tempfile::TempDir>,
    pub prefix: String,
    /// The PostgreSQL database of this app (`None`: SQLite in `dir`), for
    /// the CLI commands a test runs beside it.
    pub database_url: Option<String>,
}

impl TestApp {
    /// Builds the app with in-memory sessions, or Redis sessions on `redis`.
    pub async fn new(redis: Option<&dyn Redis>) -> Self {
        Self::with_config(redis, |_| {}).await
    }

    /// Builds the app after letting the test adjust the configuration.
    pub async fn with_config(redis: Option<&dyn Redis>, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path());
        // Short enough that fault tests stay quick, long enough that a busy
        // machine does not turn a slow answer into a 503.
        config.redis_timeout = Duration::from_secs(1);
        // The feed producers of the tests listen on loopback.
        config.realtime.allow_private_feeds = true;
        let database_url = database_url().await;
        config.database.url = database_url.clone().map(Secret::new);
        adjust(&mut config);
        let prefix = unique_prefix();
        let sessions = match redis {
            Some(server) => redis_store(server, &prefix, config.redis_timeout),
            None => SessionStore::Memory(MemoryStore::new()),
        };
        let data = DataDir::open(dir.path()).unwrap();
        let state = App::open_with_sessions(config, data, sessions)
            .await
            .unwrap();
        let router = trajet::router::router(&state);
        TestApp {
            router,
            state,
            dir: std::sync::Arc::new(dir),
            prefix,
            database_url,
        }
    }

    /// A second instance of the service on the same data directory and
    /// database, as a second process would be: its own memory, sessions and
    /// reload task.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// [`TestApp::another_instance`], with its configuration adjusted.
    pub async fn another_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data = DataDir::open(self.dir.path()).unwrap();
        let sessions = SessionStore::Memory(MemoryStore::new());
        let mut config = self.state.config.clone();
        adjust(&mut config);
        let state = App::open_with_sessions(config, data, sessions)
            .await
            .unwrap();
        TestApp {
            router: trajet::router::router(&state),
            state,
            dir: self.dir.clone(),
            prefix: unique_prefix(),
            database_url: self.database_url.clone(),
        }
    }

    /// A second instance as on another machine: its own data directory
    /// (nothing of the first one's files), the same database, publication
    /// store and master key (a deployment secret), and sessions in the same
    /// Redis under the same key prefix. Needs PostgreSQL: SQLite lives in a
    /// data directory.
    pub async fn another_machine(&self, redis: &dyn Redis) -> TestApp {
        assert!(
            self.database_url.is_some(),
            "instances on several machines share a PostgreSQL database"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut config = self.state.config.clone();
        config.data_dir = dir.path().to_path_buf();
        config.database.master_key_file =
            Some(self.state.config.database.master_key_file(self.dir.path()));
        let data = DataDir::open(dir.path()).unwrap();
        let sessions = redis_store(redis, &self.prefix, config.redis_timeout);
        let state = App::open_with_sessions(config, data, sessions)
            .await
            .unwrap();
        TestApp {
            router: trajet::router::router(&state),
            state,
            dir: std::sync::Arc::new(dir),
            prefix: self.prefix.clone(),
            database_url: self.database_url.clone(),
        }
    }

    /// Serves the app on `127.0.0.1:0`; the listener is ready once bound.
    pub async fn spawn_server(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = self.router.clone();
        let limits = self.state.config.http.clone();
        tokio::spawn(trajet::server::serve(
            listener,
            router,
            limits,
            std::future::pending(),
        ));
        addr
    }

    /// The data directory.
    pub fn data_path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Sends one request through the router in-process.
pub async fn send(
    router: &Router,
    request: axum::http::Request<axum::body::Body>,
) -> axum::response::Response {
    use tower::ServiceExt;
    router.clone().oneshot(request).await.unwrap()
}

/// Reads a whole response body.
pub async fn body_bytes(response: axum::response::Response) -> Vec<u8> {
    use http_body_util::BodyExt;
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// Reads a JSON response body.
pub async fn body_json(response: axum::response::Response) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(response).await).unwrap()
}

/// The operator account id owning the trips of [`TestApp::create_trip`]
/// (no key signs in as it: tests of operator routes use `create_trip_of`).
pub const TEST_OPERATOR: &str = "op-test";

impl TestApp {
    /// Creates a trip departing `departs_in` minutes from now (negative: already left)
    /// and lasting `minutes`, owned by [`TEST_OPERATOR`].
    pub async fn create_trip(
        &self,
        line: &str,
        departs_in: i64,
        minutes: i64,
    ) -> trajet::trips::Trip {
        self.create_trip_of(TEST_OPERATOR, line, departs_in, minutes)
            .await
    }

    /// Like [`Self::create_trip`], for the operator with this account id.
    pub async fn create_trip_of(
        &self,
        operator: &str,
        line: &str,
        departs_in: i64,
        minutes: i64,
    ) -> trajet::trips::Trip {
        use chrono::{Duration as D, Utc};
        let departs_at = Utc::now() + D::minutes(departs_in);
        let draft = trajet::trips::TripDraft {
            service_date: departs_at.date_naive(),
            line: line.to_owned(),
            train_number: "17423".into(),
            origin: "Clermont-Ferrand".into(),
            destination: "Lyon Part-Dieu".into(),
            departs_at,
            arrives_at: departs_at + D::minutes(minutes),
            seats: trajet::trips::Seats::new(80).unwrap(),
            cars: None,
            collections: None,
            timezone: chrono_tz::Europe::Paris,
            source: None,
            block_id: None,
        };
        self.state.trips.create(operator, draft).await.unwrap()
    }

    /// A seat code token for `seat` of `trip`, valid over the trip's window.
    pub fn seat_token(&self, trip: &trajet::trips::Trip, seat: u16) -> String {
        use trajet::seat_codes::{Car, Claims, Seat, Window};
        let window = trip.window(&self.state.config);
        let (opens, closes) = (window.opens_at.timestamp(), window.closes_at.timestamp());
        let claims = Claims {
            trip: trip.id.get(),
            seat: Seat(seat),
            car: Car::NONE,
            window: Window::from_unix_seconds(opens, closes).unwrap(),
        };
        let now = chrono::Utc::now().timestamp();
        trajet::seat_codes::mint(&self.state.seat_keys.keyring(), &claims, now)
            .unwrap()
            .as_str()
            .to_owned()
    }

    /// Scans a seat code, optionally with a cookie header; returns the response.
    pub async fn scan(&self, token: &str, cookie: Option<&str>) -> axum::response::Response {
        let mut request =
            axum::http::Request::get(format!("/t/{token}")).header("accept-language", "fr");
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        send(
            &self.router,
            request.body(axum::body::Body::empty()).unwrap(),
        )
        .await
    }

    /// A GET with the session cookie.
    pub async fn get_with(&self, path: &str, cookie: &str) -> axum::response::Response {
        let request = axum::http::Request::get(path)
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap();
        send(&self.router, request).await
    }
}

/// The `name=value` pair of a response's Set-Cookie.
pub fn cookie_pair(response: &axum::response::Response) -> String {
    let header = response.headers()["set-cookie"].to_str().unwrap();
    header.split(';').next().unwrap().to_owned()
}

impl TestApp {
    /// Ingests an EPUB for a publisher with an excerpt policy and offer link; returns the title id.
    pub async fn ingest(
        &self,
        path: &std::path::Path,
        publisher: &str,
        policy: serde_json::Value,
        offer: Option<&str>,
    ) -> String {
        let settings = trajet::catalog::title::Settings {
            policy: trajet::excerpts::ExcerptPolicy::parse_json(&policy).unwrap(),
            offer_url: offer.map(str::to_owned),
            collections: Vec::new(),
            live: true,
        };
        self.state
            .catalog
            .ingest(path, publisher, settings)
            .await
            .unwrap()
            .id
            .to_string()
    }

    /// A scan of a fresh trip's seat code: the session cookie.
    pub async fn passenger(&self, trip: &trajet::trips::Trip, seat: u16) -> String {
        let response = self.scan(&self.seat_token(trip, seat), None).await;
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
        cookie_pair(&response)
    }
}
