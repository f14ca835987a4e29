//! The world a browser test meets: a running trajet behind a tunnel relay,
//! titles ingested for a publisher, trips with seat codes, accounts for the
//! consoles, and the shared corpus. Each test file uses part of it.
#![allow(dead_code, reason = "each browser test file uses part of the world")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{Mutex, MutexGuard};
use trajet::accounts::Role;

use crate::proxy::Tunnel;
use crate::support::{TestApp, external};
use crate::webdriver::{self, Browser};

/// One browser at a time: Chromium is heavy on a 2-core machine.
static ONE_BROWSER: Mutex<()> = Mutex::const_new(());

/// A browser test's turn (held until the test ends) and its world, once no
/// other browser test of the file runs. `None`, and the test returns, when
/// Chromium is missing, or the corpus when the test `needs_corpus` (the
/// skip is recorded; under CI it fails).
pub async fn begin(needs_corpus: bool) -> Option<(MutexGuard<'static, ()>, World)> {
    if !webdriver::browser_available() || (needs_corpus && external::corpus().is_none()) {
        return None;
    }
    let turn = ONE_BROWSER.lock().await;
    Some((turn, World::start().await))
}

/// The publisher every test title belongs to.
const PUBLISHER: &str = "pub-browser";

/// Where the publisher's offer points.
pub const OFFER_URL: &str = "https://books.example/buy";

/// A trip with one minted seat code.
pub struct Trip {
    /// Trip id.
    pub id: trajet::trips::TripId,
    /// Its line, as the trip bar shows it.
    pub line: String,
    /// Its destination.
    pub destination: String,
    /// `/t/{token}` of seat 1.
    pub code_path: String,
}

/// trajet on a real socket, reached by the browser through a tunnel relay.
pub struct World {
    /// The app (kept alive for the test).
    pub app: TestApp,
    /// The relay the browser talks to.
    pub tunnel: Tunnel,
}

impl World {
    /// Starts the app and the relay in front of it.
    pub async fn start() -> World {
        // This crate's own static files: with a target directory shared between
        // checkouts, the library's compiled-in manifest path may be another's.
        let app = TestApp::with_config(None, |config| {
            config.static_dir = trajet::assets::Assets::Folder(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static"),
            );
        })
        .await;
        let addr = app.spawn_server().await;
        let tunnel = Tunnel::start(addr).await;
        World { app, tunnel }
    }

    /// An account of `role` known to the running app: (account id, API key).
    pub async fn account(&self, role: Role, name: &str) -> (String, String) {
        let (account, key) = self
            .app
            .state
            .accounts
            .create_with_key(role, name)
            .await
            .unwrap();
        (account.id, key)
    }

    /// Ingests a book of the repository's sample catalog; returns the title id.
    pub fn ingest_sample(&self, folder: &str, excerpt: Value) -> String {
        self.ingest_bytes(&sample_epub(folder), excerpt)
    }

    /// Ingests an EPUB of the corpus; returns the title id.
    pub fn ingest_corpus(&self, name: &str, excerpt: Value) -> String {
        let path = corpus_dir().join("epub/valid").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.ingest_bytes(&bytes, excerpt)
    }

    /// Ingests a book of the sample catalog whose publisher gave no offer link.
    pub fn ingest_sample_without_offer(&self, folder: &str, excerpt: Value) -> String {
        self.ingest_offering(&sample_epub(folder), excerpt, None)
    }

    /// Ingests EPUB bytes for the test publisher with an excerpt policy; returns the title id.
    pub fn ingest_bytes(&self, epub: &[u8], excerpt: Value) -> String {
        self.ingest_offering(epub, excerpt, Some(OFFER_URL))
    }

    fn ingest_offering(&self, epub: &[u8], excerpt: Value, offer: Option<&str>) -> String {
        let file = tempfile::Builder::new().suffix(".epub").tempfile().unwrap();
        std::fs::write(file.path(), epub).unwrap();
        // Ingestion is CPU work: let the runtime move the server's tasks elsewhere.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(self.app.ingest(
                file.path(),
                PUBLISHER,
                excerpt,
                offer,
            ))
        })
    }

    /// A trip that left 10 minutes ago and arrives in `minutes`, with seat 1's code.
    pub async fn trip(&self, minutes: i64) -> Trip {
        let trip = self.app.create_trip("TER", -10, minutes + 10).await;
        let token = self.app.seat_token(&trip, 1);
        Trip {
            id: trip.id,
            line: trip.line.clone(),
            destination: trip.destination.clone(),
            code_path: format!("/t/{token}"),
        }
    }

    /// Delays the trip's arrival by `minutes` as its operator would: its
    /// sessions last that much longer.
    pub async fn delay(&self, trip: &Trip, minutes: i64) -> String {
        let current = self.app.state.trips.get(trip.id).await.unwrap().unwrap();
        let later = current.arrives_at + chrono::Duration::minutes(minutes);
        let trips = &self.app.state.trips;
        let change = trips
            .update_arrival(trip.id, later, "op-test")
            .await
            .unwrap();
        let closes_at = change.trip.window(&self.app.state.config).closes_at;
        self.app
            .state
            .sessions
            .extend_trip(trip.id.get(), closes_at.timestamp())
            .await
            .unwrap();
        later.to_rfc3339()
    }

    /// Cancels the trip as its operator would: its sessions end at once.
    pub async fn cancel(&self, trip: &Trip) {
        self.app
            .state
            .trips
            .cancel(trip.id, "op-test")
            .await
            .unwrap();
        self.app
            .state
            .sessions
            .end_trip(trip.id.get())
            .await
            .unwrap();
    }

    /// Waits until the service worker holds every chapter of the excerpt.
    pub async fn wait_for_all_chapters(&self, browser: &Browser, title: &str) {
        let script = format!(
            "const done = arguments[0];
             (async () => {{
               const manifest = await (await fetch('/api/v1/titles/{title}/manifest')).json();
               const cache = await caches.open('trajet-content');
               const keys = (await cache.keys()).map(r => new URL(r.url).pathname);
               const base = '/api/v1/titles/{title}/';
               return manifest.readingOrder.every(item => keys.includes(new URL(item.href, location.origin + base).pathname));
             }})().then(done, () => done(false));"
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while browser.js_async(&script).await != json!(true) {
            assert!(
                Instant::now() < deadline,
                "the excerpt's chapters were not all prefetched"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the server holds a progression at `position`; returns what it holds.
    pub async fn wait_saved_position(
        &self,
        browser: &Browser,
        title: &str,
        position: &str,
    ) -> String {
        let script = format!(
            "const done = arguments[0];
             fetch('/api/v1/titles/{title}/progression', {{cache: 'no-store'}})
               .then(r => r.status === 200 ? r.json() : null)
               .then(d => done(d ? String(d.locator.locations.position) : ''), () => done(''));"
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let saved = browser.js_async(&script).await;
            let saved = saved.as_str().unwrap_or_default().to_owned();
            if saved == position || Instant::now() > deadline {
                return saved;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// A book of the repository's sample catalog (`catalog/{folder}`), packed as an EPUB.
pub fn sample_epub(folder: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("catalog")
        .join(folder);
    trajet::catalog_sample::pack_book(&dir).unwrap()
}

/// A corpus file's canonical path, as a file input takes it (chromedriver
/// refuses `..` in file paths).
pub fn corpus_file(name: &str) -> String {
    let path = corpus_dir().join(name);
    std::fs::canonicalize(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .display()
        .to_string()
}

/// The corpus folder, for a test that `begin(true)` let run.
pub fn corpus_dir() -> PathBuf {
    external::corpus().expect("begin(true) checked the corpus is there")
}
