//! GTFS-Realtime end to end: a producer on loopback serves feeds built with
//! trajet's own bindings; trajet fetches them, moves trips and sessions
//! (on both session stores), falls back to the schedule when the feed goes
//! stale, and reports bad feeds without changing anything.

mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use support::feeds::{FeedServer, Reply};
use support::{Backend, RedisHandle, TestApp, body_json, send};
use trajet::accounts::Role;
use trajet::realtime::builder::FeedBuilder;
use trajet::trips::{ExternalKey, Seats, Trip, TripDraft};

/// An app, an operator with a key, and one imported trip running now.
struct Fixture {
    app: TestApp,
    _redis: Option<RedisHandle>,
    key: String,
    trip: Trip,
}

impl Fixture {
    async fn new(backend: Backend) -> Self {
        Self::with(backend, |_| {}).await
    }

    async fn with(backend: Backend, adjust: impl FnOnce(&mut trajet::config::Config)) -> Self {
        let redis = backend.redis();
        let app = TestApp::with_config(redis.as_ref().map(RedisHandle::get), |config| {
            config.realtime.fetch_timeout = Duration::from_secs(1);
            config.realtime.max_feed_bytes = 64 << 10;
            config.realtime.unmatched_shown = 2;
            adjust(config);
        })
        .await;
        let (account, key) = app
            .state
            .accounts
            .create_with_key(Role::Operator, "TER Auvergne")
            .await
            .unwrap();
        let trip = imported(&app, &account.id, "T-17423").await;
        Fixture {
            app,
            _redis: redis,
            key,
            trip,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.key));
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = send(&self.app.router, request).await;
        let status = response.status();
        (status, body_json(response).await)
    }

    /// Points the operator's TripUpdates feed at `server` (period of an hour:
    /// the test fetches with `fetch`, the poller stays out of the way).
    async fn follow(&self, server: &FeedServer) {
        let (status, body) = self
            .call(
                "PUT",
                "/api/v1/operator/realtime",
                Some(json!({
                    "trip_updates_url": server.url(),
                    "headers": {"Authorization": "apikey s3cret-producer-key"},
                    "period_seconds": 3600,
                    "stale_after_seconds": 300,
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The poller starts a round at once; the test's own fetches wait for
        // it (one round per feed at a time) once it has reached the producer.
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.requests().is_empty() {
            assert!(Instant::now() < deadline, "the poller never fetched");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Fetches every feed now; the TripUpdates feed's state.
    async fn fetch(&self) -> Value {
        let (status, body) = self
            .call("POST", "/api/v1/operator/realtime/fetch", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["feeds"][0].clone()
    }

    fn current(&self) -> Trip {
        Trip::clone(&self.app.state.trips.shared(self.trip.id).unwrap())
    }

    async fn history(&self) -> Vec<Value> {
        let path = format!("/api/v1/operator/trips/{}/history", self.trip.id);
        let (status, body) = self.call("GET", &path, None).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().clone()
    }

    /// A passenger's session on the trip: its cookie.
    async fn passenger(&self) -> String {
        self.app.passenger(&self.trip, 12).await
    }

    async fn expires_at(&self, cookie: &str) -> Result<DateTime<Utc>, StatusCode> {
        let response = self.app.get_with("/api/v1/session", cookie).await;
        if response.status() != StatusCode::OK {
            return Err(response.status());
        }
        let body = body_json(response).await;
        Ok(body["expires_at"].as_str().unwrap().parse().unwrap())
    }

    fn metrics(&self) -> String {
        self.app.state.metrics.render()
    }
}

/// A trip of `operator` imported with feed id `feed_trip_id`, running now
/// (left 10 minutes ago, arrives in 50).
async fn imported(app: &TestApp, operator: &str, feed_trip_id: &str) -> Trip {
    let now = Utc::now();
    let departs_at = DateTime::from_timestamp(now.timestamp() - 600, 0).unwrap();
    let date = departs_at.date_naive();
    let draft = TripDraft {
        service_date: date,
        line: "TER Auvergne-Rhône-Alpes".into(),
        train_number: "17423".into(),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
        departs_at,
        arrives_at: departs_at + chrono::Duration::minutes(60),
        seats: Seats::new(80).unwrap(),
        cars: None,
        collections: None,
        timezone: chrono_tz::Europe::Paris,
        source: Some(ExternalKey {
            feed_trip_id: feed_trip_id.into(),
            service_date: date,
        }),
        block_id: None,
    };
    app.state
        .trips
        .import_batch(operator, vec![draft])
        .await
        .unwrap();
    app.state
        .trips
        .trips_of(operator, date)
        .await
        .unwrap()
        .into_iter()
        .find(|t| {
            t.source
                .as_ref()
                .is_some_and(|k| k.feed_trip_id == feed_trip_id)
        })
        .unwrap()
}

fn feed(etag: &str, build: impl FnOnce(&mut FeedBuilder)) -> Reply {
    let mut builder = FeedBuilder::new(Utc::now());
    build(&mut builder);
    Reply::Feed {
        bytes: builder.encode(),
        etag: format!("\"{etag}\""),
    }
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

macro_rules! on_both_stores_async {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$name(super::Fixture::new(super::Backend::Memory).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                super::$name(super::Fixture::new(super::Backend::Redis).await).await;
            }
        }
    )*};
}

on_both_stores_async!(
    a_delay_at_the_last_stop_extends_sessions_and_a_smaller_one_never_cuts_them,
    a_cancellation_in_the_feed_ends_the_sessions,
    a_stale_feed_falls_back_to_the_schedule,
);

async fn a_delay_at_the_last_stop_extends_sessions_and_a_smaller_one_never_cuts_them(f: Fixture) {
    let cookie = f.passenger().await;
    let before = f.expires_at(&cookie).await.unwrap();
    let scheduled = f.trip.arrives_at;
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", Some(f.trip.service_date), "LYON-PD", 900);
    }))
    .await;
    f.follow(&server).await;
    let state = f.fetch().await;
    assert_eq!(state["last_error"], Value::Null, "{state}");
    assert_eq!(state["entities_applied"], 1);
    assert_eq!(f.current().arrives_at, scheduled + minutes(15));
    let extended = f.expires_at(&cookie).await.unwrap();
    assert!(extended > before + minutes(14), "{before} → {extended}");
    assert_eq!(extended, f.current().window(&f.app.state.config).closes_at);
    // The producer had the operator's header.
    let sent = server.requests();
    assert_eq!(
        sent.last().unwrap()["authorization"],
        "apikey s3cret-producer-key"
    );
    // Less late now: the trip's arrival comes back, the open session keeps its end.
    server.set(feed("v2", |b| {
        b.delay("T-17423", Some(f.trip.service_date), "LYON-PD", 300);
    }));
    f.fetch().await;
    assert_eq!(f.current().arrives_at, scheduled + minutes(5));
    assert_eq!(f.expires_at(&cookie).await.unwrap(), extended);
    let history = f.history().await;
    let realtime: Vec<&Value> = history
        .iter()
        .filter(|h| h["source"] == "realtime")
        .collect();
    assert_eq!(realtime.len(), 2, "{history:?}");
    assert_eq!(
        realtime[0]["change"]["arrives_at"]["to"],
        json!(scheduled + minutes(15))
    );
}

async fn a_cancellation_in_the_feed_ends_the_sessions(f: Fixture) {
    let cookie = f.passenger().await;
    assert!(f.expires_at(&cookie).await.is_ok(), "the session is open");
    let server = FeedServer::start(feed("v1", |b| {
        b.cancel("T-17423", None);
    }))
    .await;
    f.follow(&server).await;
    f.fetch().await;
    assert!(f.current().is_cancelled());
    // The session is gone (the trip cookie, which this test does not
    // carry, would turn the 401 into the 410 "trip cancelled" page).
    assert_eq!(f.expires_at(&cookie).await, Err(StatusCode::UNAUTHORIZED));
    let scan = f.app.scan(&f.app.seat_token(&f.trip, 13), None).await;
    assert_eq!(scan.status(), StatusCode::GONE);
    let history = f.history().await;
    assert_eq!(history.last().unwrap()["source"], "realtime");
    assert_eq!(history.last().unwrap()["change"]["state"], "cancelled");
}

async fn a_stale_feed_falls_back_to_the_schedule(f: Fixture) {
    let cookie = f.passenger().await;
    let scheduled = f.trip.arrives_at;
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 600);
    }))
    .await;
    f.follow(&server).await;
    f.fetch().await;
    let extended = f.expires_at(&cookie).await.unwrap();
    assert_eq!(f.current().arrives_at, scheduled + minutes(10));
    // The producer's data stopped moving an hour ago (limit: 5 minutes).
    let mut old = FeedBuilder::new(Utc::now() - minutes(60));
    old.delay("T-17423", None, "LYON-PD", 1200);
    server.set(Reply::Feed {
        bytes: old.encode(),
        etag: "\"old\"".into(),
    });
    let state = f.fetch().await;
    assert_eq!(state["stale"], true, "{state}");
    assert_eq!(state["following"], "schedule");
    assert!(state["data_age_seconds"].as_i64().unwrap() >= 3600);
    assert_eq!(f.current().arrives_at, scheduled, "back to the schedule");
    // Sessions are never cut short by the fall-back.
    assert_eq!(f.expires_at(&cookie).await.unwrap(), extended);
    let history = f.history().await;
    assert_eq!(history.last().unwrap()["change"]["reason"], "feed-stale");
    assert!(
        f.metrics().contains("trajet_realtime_stale{"),
        "{}",
        f.metrics()
    );
    // Fresh data again: the feed applies again.
    server.set(feed("v3", |b| {
        b.delay("T-17423", None, "LYON-PD", 120);
    }));
    let state = f.fetch().await;
    assert_eq!(state["stale"], false);
    assert_eq!(f.current().arrives_at, scheduled + minutes(2));
}

/// Garbage bytes, a truncated feed, a body over the cap, a server error and
/// a server that never finishes: each leaves the trips as the last good
/// feed left them, and is shown on the console and counted in `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feeds_change_nothing_and_are_reported() {
    let f = Fixture::new(Backend::Memory).await;
    let cookie = f.passenger().await;
    let good = feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 600);
    });
    let server = FeedServer::start(good.clone()).await;
    f.follow(&server).await;
    f.fetch().await;
    let trip = f.current();
    let expires = f.expires_at(&cookie).await.unwrap();
    let history = f.history().await.len();
    let Reply::Feed {
        bytes: good_bytes, ..
    } = good
    else {
        unreachable!()
    };
    let mut cancelling = FeedBuilder::new(Utc::now());
    for n in 0..3000 {
        cancelling.cancel(&format!("OTHER-{n}"), None);
    }
    cancelling.cancel("T-17423", None);
    let huge = cancelling.encode();
    assert!(huge.len() > 64 << 10, "the body is over the cap");
    let cases: [(&str, Reply, &str); 5] = [
        (
            "garbage",
            Reply::Bytes(b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff garbage".to_vec()),
            "decode",
        ),
        (
            "truncated",
            Reply::Bytes(good_bytes[..good_bytes.len() - 4].to_vec()),
            "decode",
        ),
        ("over the cap", Reply::Bytes(huge), "too-large"),
        ("server error", Reply::Status(503), "http-status"),
        ("never answers", Reply::Hang, "timeout"),
    ];
    for (n, (case, reply, outcome)) in cases.into_iter().enumerate() {
        server.set(reply);
        let state = f.fetch().await;
        assert!(state["last_error"].is_string(), "{case}: {state}");
        assert_eq!(state["failures"], n + 1, "{case}: {state}");
        assert_eq!(f.current(), trip, "{case}: the trip did not change");
        assert_eq!(f.expires_at(&cookie).await.unwrap(), expires, "{case}");
        assert_eq!(f.history().await.len(), history, "{case}: nothing recorded");
        let line = format!(
            "trajet_realtime_fetches_total{{feed=\"trip_updates\",outcome=\"{outcome}\"}} "
        );
        assert!(
            f.metrics().contains(&line),
            "{case}: {line} missing from\n{}",
            f.metrics()
        );
    }
    // The console shows the last error in words.
    let (_, body) = f.call("GET", "/api/v1/operator/realtime", None).await;
    let error = body["feeds"][0]["last_error"].as_str().unwrap();
    assert!(error.contains("no complete answer"), "{error}");
    // Back to a good feed: the error clears.
    server.set(feed("v9", |b| {
        b.delay("T-17423", None, "LYON-PD", 600);
    }));
    let state = f.fetch().await;
    assert_eq!(
        (state["last_error"].clone(), state["failures"].clone()),
        (Value::Null, json!(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_trips_are_counted_and_the_first_listed() {
    let f = Fixture::new(Backend::Memory).await;
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 60);
        for n in 0..5 {
            b.cancel(&format!("GHOST-{n}"), None);
        }
    }))
    .await;
    f.follow(&server).await;
    let state = f.fetch().await;
    assert_eq!(state["last_error"], Value::Null);
    assert_eq!(state["entities"], 6);
    assert_eq!(state["entities_applied"], 1);
    assert_eq!(state["entities_unmatched"], 5);
    assert_eq!(state["unmatched"], json!(["GHOST-0", "GHOST-1"]));
    assert!(
        f.metrics().contains(
            "trajet_realtime_entities_total{feed=\"trip_updates\",outcome=\"unmatched\"} 5"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_feed_answers_304_to_the_conditional_request() {
    let f = Fixture::new(Backend::Memory).await;
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 60);
    }))
    .await;
    f.follow(&server).await;
    let first = f.fetch().await;
    let second = f.fetch().await;
    let sent = server.requests();
    assert_eq!(sent.last().unwrap()["if-none-match"], "\"v1\"");
    assert_eq!(second["last_error"], Value::Null);
    assert_eq!(
        second["data_at"], first["data_at"],
        "304: the data in force stays"
    );
    assert!(f.metrics().contains("outcome=\"not-modified\"} "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_trips_appear_in_the_operators_day() {
    let f = Fixture::new(Backend::Memory).await;
    let now = Utc::now();
    let server = FeedServer::start(feed("v1", |b| {
        b.added(
            "EXTRA-9",
            None,
            "TER-1",
            "CLERMONT",
            now,
            "VICHY",
            now + minutes(40),
        );
    }))
    .await;
    f.follow(&server).await;
    f.fetch().await;
    let path = format!("/api/v1/operator/trips?date={}", now.date_naive());
    let (_, day) = f.call("GET", &path, None).await;
    let trips = day["trips"].as_array().unwrap();
    let extra = trips
        .iter()
        .find(|t| t["train_number"] == "EXTRA-9")
        .expect("added trip");
    assert_eq!(extra["destination"], "VICHY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_fetches_on_its_own_period() {
    let f = Fixture::new(Backend::Memory).await;
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 600);
    }))
    .await;
    let (status, _) = f
        .call(
            "PUT",
            "/api/v1/operator/realtime",
            Some(json!({"trip_updates_url": server.url(), "period_seconds": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Waits for the poller (bounded; no timing is asserted).
    let deadline = Instant::now() + Duration::from_secs(30);
    while f.current().arrives_at == f.trip.arrives_at {
        assert!(
            Instant::now() < deadline,
            "the poller never applied the feed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(f.current().arrives_at, f.trip.arrives_at + minutes(10));
    while server.requests().len() < 2 {
        assert!(Instant::now() < deadline, "the poller fetched only once");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_checked_and_header_values_never_shown() {
    let f = Fixture::new(Backend::Memory).await;
    for (body, field) in [
        (
            json!({"trip_updates_url": "ftp://example.org/feed"}),
            "trip_updates_url",
        ),
        (json!({"trip_updates_url": "not a url"}), "trip_updates_url"),
        (
            json!({"trip_updates_url": "https://example.org/tu", "period_seconds": 0}),
            "period_seconds",
        ),
        (
            json!({"trip_updates_url": "https://example.org/tu", "headers": {"bad name": "x"}}),
            "headers",
        ),
    ] {
        let (status, problem) = f.call("PUT", "/api/v1/operator/realtime", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(
            (problem["code"].as_str(), problem["field"].as_str()),
            (Some("realtime-invalid"), Some(field))
        );
    }
    let server = FeedServer::start(Reply::Status(404)).await;
    f.follow(&server).await;
    let (_, shown) = f.call("GET", "/api/v1/operator/realtime", None).await;
    assert_eq!(shown["settings"]["headers"], json!(["authorization"]));
    assert_eq!(shown["settings"]["period_seconds"], 3600);
    assert!(!shown.to_string().contains("s3cret"));
    // Sealed in the database too.
    let stored: String = sqlx::query_scalar("SELECT headers FROM realtime_feeds")
        .fetch_one(f.app.state.db.pool())
        .await
        .unwrap();
    assert!(!stored.contains("s3cret"));
    // A new PUT without headers keeps them; another operator sees nothing.
    let (status, _) = f
        .call(
            "PUT",
            "/api/v1/operator/realtime",
            Some(json!({"trip_updates_url": server.url()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    f.fetch().await;
    assert_eq!(
        server.requests().last().unwrap()["authorization"],
        "apikey s3cret-producer-key"
    );
    let (_, other_key) = f
        .app
        .state
        .accounts
        .create_with_key(Role::Operator, "Other rail")
        .await
        .unwrap();
    let request = Request::get("/api/v1/operator/realtime")
        .header("authorization", format!("Bearer {other_key}"))
        .body(Body::empty())
        .unwrap();
    let other = body_json(send(&f.app.router, request).await).await;
    assert_eq!(other, json!({"settings": null, "feeds": []}));
}

/// Unless the administrator allows private feeds, a feed URL on a
/// non-public address is refused when saved, with the reason, and nothing
/// is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_urls_on_non_public_addresses_are_refused_when_saved() {
    let f = Fixture::new(Backend::Memory).await;
    let strict = f
        .app
        .another_instance_with(|c| c.realtime.allow_private_feeds = false)
        .await;
    let put = |body: Value| {
        let request = Request::put("/api/v1/operator/realtime")
            .header("authorization", format!("Bearer {}", f.key))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let router = strict.router.clone();
        async move {
            let response = send(&router, request).await;
            (response.status(), body_json(response).await)
        }
    };
    for (url, why) in [
        (
            "http://127.0.0.1:8080/feed.pb",
            "127.0.0.1 is a loopback address",
        ),
        ("http://[::1]/feed.pb", "::1 is a loopback address"),
        ("http://localhost:9/feed.pb", "localhost resolves to "),
        ("http://10.20.30.40/feed.pb", "a private address"),
        ("http://192.168.0.10/feed.pb", "a private address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "the cloud metadata address",
        ),
        ("http://169.254.10.1/feed.pb", "a link-local address"),
        ("http://[fd00::1]/feed.pb", "a unique-local address"),
        ("http://224.0.0.1/feed.pb", "a multicast address"),
        ("http://0.0.0.0/feed.pb", "an unspecified address"),
        ("http://[::ffff:10.0.0.1]/feed.pb", "a private address"),
    ] {
        let (status, problem) = put(json!({"trip_updates_url": url})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert_eq!(problem["code"], "realtime-invalid", "{url}");
        assert_eq!(problem["field"], "trip_updates_url", "{url}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(why), "{url}: {detail}");
        assert!(detail.contains("public addresses only"), "{url}: {detail}");
    }
    // The other feed is checked too; nothing was stored.
    let (status, problem) = put(json!({"vehicle_positions_url": "http://127.0.0.2/vp"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "vehicle_positions_url");
    let (_, shown) = f.call("GET", "/api/v1/operator/realtime", None).await;
    assert_eq!(shown["settings"], Value::Null);
}

/// A URL stored while private feeds were allowed (or a name whose address
/// changed since it was saved) is refused at connection time: the producer
/// on loopback never gets a request, and the error names why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_on_non_public_addresses_are_refused_at_connection() {
    let f = Fixture::with(Backend::Memory, |c| c.realtime.allow_private_feeds = false).await;
    let operator = f.trip.operator.clone().unwrap();
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 600);
    }))
    .await;
    let by_name = format!("http://localhost:{}/feed.pb", server.addr.port());
    for (url, why) in [
        (server.url(), "127.0.0.1 is a loopback address"),
        (by_name, "localhost resolves to "),
    ] {
        // As stored before the check (the save refuses it now).
        let settings = json!({"trip_updates_url": url, "vehicle_positions_url": null,
                              "period_seconds": 3600, "stale_after_seconds": 300});
        sqlx::query(
            "INSERT INTO realtime_feeds (operator, settings, headers, updated_at) \
             VALUES ($1, $2, NULL, 0) ON CONFLICT (operator) DO UPDATE SET settings = excluded.settings",
        )
        .bind(operator.clone())
        .bind(settings.to_string())
        .execute(f.app.state.db.pool())
        .await
        .unwrap();
        let state = f.fetch().await;
        let error = state["last_error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{url}: {state}");
        assert!(error.contains("public addresses only"), "{url}: {state}");
        assert!(
            f.metrics().contains(
                "trajet_realtime_fetches_total{feed=\"trip_updates\",outcome=\"not-public\"}"
            ),
            "{url}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "no request reached the producer"
    );
    assert_eq!(f.current().arrives_at, f.trip.arrives_at);
}

impl Fixture {
    /// Registers a one-car train set; the URL of its seat 1 label.
    async fn vehicle(&self, id: &str) -> String {
        let body = json!({"id": id, "label": format!("Regio 2N {id}"),
                          "cars": [{"car": "1", "seats": 80}]});
        let (status, created) = self
            .call("POST", "/api/v1/operator/vehicles", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let path = format!("/api/v1/operator/vehicles/{id}/codes");
        let (status, codes) = self.call("POST", &path, Some(json!({"seats": "1"}))).await;
        assert_eq!(status, StatusCode::OK, "{codes}");
        codes["codes"][0]["url"].as_str().unwrap().to_owned()
    }

    /// Scans a label in a fresh browser: the id of the trip its session reads.
    async fn ride(&self, url: &str) -> Option<u64> {
        let token = url.rsplit('/').next().unwrap();
        let response = self.app.scan(token, None).await;
        if response.status() != StatusCode::SEE_OTHER {
            return None;
        }
        let cookie = support::cookie_pair(&response);
        let session = body_json(self.app.get_with("/api/v1/session", &cookie).await).await;
        session["trip"]["id"].as_u64()
    }

    /// Points the operator's VehiclePositions feed at `server` and waits
    /// for the poller's first round to reach it.
    async fn follow_vehicles(&self, server: &FeedServer) {
        let body = json!({"vehicle_positions_url": server.url(), "period_seconds": 3600});
        let (status, shown) = self
            .call("PUT", "/api/v1/operator/realtime", Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.requests().is_empty() {
            assert!(Instant::now() < deadline, "the poller never fetched");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A swap in the VehiclePositions feed: the sets' labels open the trips the
/// feed says they run, over the operator's own assignment; coupled sets
/// both open their trip; an unknown vehicle and an unknown trip are counted
/// and listed, not errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_swap_in_the_feed_makes_the_same_label_open_the_new_trip() {
    let f = Fixture::new(Backend::Memory).await;
    let operator = f.trip.operator.clone().unwrap();
    let other = imported(&f.app, &operator, "T-17425").await;
    let (a, b) = (u64::from(f.trip.id.get()), u64::from(other.id.get()));
    let label_71 = f.vehicle("24571").await;
    let label_33 = f.vehicle("24533").await;
    let label_99 = f.vehicle("24599").await;
    for (trip, set) in [(a, "24571"), (b, "24533")] {
        let path = format!("/api/v1/operator/trips/{trip}/vehicles");
        let (status, body) = f.call("PUT", &path, Some(json!({"vehicles": [set]}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(f.ride(&label_71).await, Some(a));
    assert_eq!(f.ride(&label_33).await, Some(b));
    assert_eq!(f.ride(&label_99).await, None, "24599 runs nothing yet");
    let date = Some(f.trip.service_date);
    let server = FeedServer::start(feed("v1", |feed| {
        feed.vehicle("T-17423", date, "24533")
            .vehicle("T-17423", date, "GHOST-7")
            .vehicle("T-17425", date, "24571")
            .vehicle("T-17425", date, "24599")
            .vehicle("NOWHERE", date, "24533");
    }))
    .await;
    f.follow_vehicles(&server).await;
    let state = f.fetch().await;
    assert_eq!(state["kind"], "vehicle_positions");
    assert_eq!(state["last_error"], Value::Null, "{state}");
    assert_eq!(state["entities"], 5);
    assert_eq!(state["entities_applied"], 3, "{state}");
    assert_eq!(state["entities_unmatched"], 2, "{state}");
    let unmatched = state["unmatched"].as_array().unwrap();
    assert!(
        unmatched
            .iter()
            .any(|u| u.as_str().unwrap().starts_with("NOWHERE")),
        "{state}"
    );
    assert!(unmatched.contains(&json!("vehicle GHOST-7")), "{state}");
    // The same labels now open the trips the feed says.
    assert_eq!(f.ride(&label_71).await, Some(b));
    assert_eq!(f.ride(&label_99).await, Some(b), "the coupled set too");
    assert_eq!(f.ride(&label_33).await, Some(a));
    let (_, trip) = f
        .call("GET", &format!("/api/v1/operator/trips/{b}"), None)
        .await;
    assert_eq!(trip["vehicles"], json!(["24571", "24599"]));
    let (_, history) = f
        .call("GET", &format!("/api/v1/operator/trips/{b}/history"), None)
        .await;
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!(last["source"], "realtime");
    assert_eq!(last["change"]["vehicles"]["from"], json!(["24533"]));
    assert_eq!(last["change"]["vehicles"]["to"], json!(["24571", "24599"]));
    // The same feed again writes nothing more.
    let lines = history.as_array().unwrap().len();
    f.fetch().await; // 304
    server.set(feed("v2", |feed| {
        feed.vehicle("T-17425", date, "24571")
            .vehicle("T-17425", date, "24599");
    }));
    f.fetch().await;
    let (_, again) = f
        .call("GET", &format!("/api/v1/operator/trips/{b}/history"), None)
        .await;
    assert_eq!(again.as_array().unwrap().len(), lines);
}

/// A TripUpdate that names its vehicle (`TripUpdate.vehicle`) moves the
/// trip's arrival and assigns the set in the same fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trip_update_naming_its_vehicle_assigns_it() {
    let f = Fixture::new(Backend::Memory).await;
    let label = f.vehicle("24571").await;
    assert_eq!(f.ride(&label).await, None);
    let server = FeedServer::start(feed("v1", |b| {
        b.delay("T-17423", None, "LYON-PD", 600).by_vehicle("24571");
    }))
    .await;
    f.follow(&server).await;
    let state = f.fetch().await;
    assert_eq!(state["last_error"], Value::Null, "{state}");
    assert_eq!(f.current().arrives_at, f.trip.arrives_at + minutes(10));
    assert_eq!(f.ride(&label).await, Some(u64::from(f.trip.id.get())));
    let history = f.history().await;
    let realtime: Vec<&Value> = history
        .iter()
        .filter(|h| h["source"] == "realtime")
        .collect();
    assert_eq!(realtime.len(), 2, "{history:?}");
    assert!(
        realtime
            .iter()
            .any(|h| h["change"]["vehicles"]["to"] == json!(["24571"]))
    );
}
