//! The world a passenger's browser meets: a running trajet behind a tunnel
//! relay, a publisher with titles, an operator with a trip and seat codes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trajet::accounts::{Role, create_account_with_key};

use crate::proxy::Tunnel;
use crate::support::TestApp;
use crate::webdriver::Browser;

/// A trip with one minted seat code.
pub struct Trip {
    /// Trip id.
    pub id: String,
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
    http: reqwest::Client,
    base: String,
    publisher: String,
    operator: String,
}

impl World {
    /// Starts the app, the relay, and a publisher and an operator with API keys.
    pub async fn start() -> World {
        let app = TestApp::new(None).await;
        let addr = app.spawn_server().await;
        let tunnel = Tunnel::start(addr).await;
        let (_, publisher) =
            create_account_with_key(&app.data_path(), Role::Publisher, "Éditions du Quai").unwrap();
        let (_, operator) =
            create_account_with_key(&app.data_path(), Role::Operator, "TER Auvergne").unwrap();
        let world = World {
            app,
            tunnel,
            http: reqwest::Client::new(),
            base: format!("http://{addr}"),
            publisher,
            operator,
        };
        // The running app picks up new keys within a second.
        world.wait_key(&world.operator, "/api/v1/operator/trips").await;
        world.wait_key(&world.publisher, "/api/v1/publisher/titles").await;
        world
    }

    async fn wait_key(&self, key: &str, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let response = self
                .http
                .get(format!("{}{path}", self.base))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            if response.status().is_success() {
                return;
            }
            assert!(Instant::now() < deadline, "the key was not accepted on {path}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Uploads an EPUB of the corpus; returns the title id.
    pub async fn upload_corpus(&self, name: &str) -> String {
        let path = corpus_dir().join("epub/valid").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.upload(bytes).await
    }

    /// Uploads EPUB bytes as the publisher; returns the title id.
    pub async fn upload(&self, epub: Vec<u8>) -> String {
        let response = self
            .http
            .post(format!("{}/api/v1/publisher/titles", self.base))
            .bearer_auth(&self.publisher)
            .header("Content-Type", "application/epub+zip")
            .body(epub)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "upload refused: {body}");
        let id = body["id"].as_str().expect("a title id").to_owned();
        self.patch_title(&id, json!({"offer_url": "https://books.example/buy/alice"}))
            .await;
        id
    }

    /// Changes a title as its publisher.
    pub async fn patch_title(&self, id: &str, body: Value) {
        let response = self
            .http
            .patch(format!("{}/api/v1/publisher/titles/{id}", self.base))
            .bearer_auth(&self.publisher)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_success(), "PATCH title {id}: {}", response.text().await.unwrap());
    }

    /// A trip that left 10 minutes ago and arrives in `minutes`, with seat 1's code.
    pub async fn trip(&self, minutes: i64) -> Trip {
        let now = chrono::Utc::now();
        let departs = now - chrono::Duration::minutes(10);
        let arrives = now + chrono::Duration::minutes(minutes);
        let body = json!({
            "line": "TER",
            "train_number": "17423",
            "origin": "Clermont-Ferrand",
            "destination": "Lyon Part-Dieu",
            "departs_at": departs.to_rfc3339(),
            "arrives_at": arrives.to_rfc3339(),
            "seats": 80,
            "timezone": "Europe/Paris",
        });
        let trip = self.operator_post("/api/v1/operator/trips", body).await;
        let id = trip["id"].as_str().expect("a trip id").to_owned();
        let codes = self
            .operator_post(&format!("/api/v1/operator/trips/{id}/codes"), json!({"seats": "1"}))
            .await;
        let url = codes["codes"][0]["url"].as_str().expect("a code URL");
        let code_path = url[url.find("/t/").expect("a /t/ URL")..].to_owned();
        Trip {
            id,
            line: "TER".into(),
            destination: "Lyon Part-Dieu".into(),
            code_path,
        }
    }

    async fn operator_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.operator)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {value}");
        value
    }

    /// Cancels the trip: its sessions end at once.
    pub async fn cancel(&self, trip: &Trip) {
        self.operator_post(&format!("/api/v1/operator/trips/{}/cancel", trip.id), json!({}))
            .await;
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
            assert!(Instant::now() < deadline, "the excerpt's chapters were not all prefetched");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the server holds a progression at `position`; returns what it holds.
    pub async fn wait_saved_position(&self, browser: &Browser, title: &str, position: &str) -> String {
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

/// The shared test corpus (`TRAJET_CORPUS`, else `../shared/corpus`).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("TRAJET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Is the corpus there? When not: fail under CI, else say so loudly.
pub fn corpus_available() -> bool {
    let dir = corpus_dir();
    if dir.is_dir() {
        return true;
    }
    let message = format!("the test corpus is missing at {} (set TRAJET_CORPUS)", dir.display());
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n!!!!!!!! SKIPPED: {message} !!!!!!!!\n");
    false
}
