//! Two trajet instances as on two machines: each its own data directory
//! and port, sharing one PostgreSQL, one Redis (a server, a Cluster, or a
//! primary behind Sentinels) and one S3-compatible store (moto), all started
//! by the harness on loopback. What one instance is
//! told, the other applies: titles (upload, withdrawal), trips (extension),
//! sessions (no sticky sessions), and usage counters add up.
//!
//! Needs PostgreSQL and moto (skipped with a recorded reason when either is
//! missing; required with `CI` set).

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::books::write_marker_book;
use support::{Redis, RedisCluster, RedisSentinel, RedisServer, TestApp};
use trajet::accounts::Role;
use trajet::config::Secret;

/// How long a change may take to reach the other instance before the test
/// gives up (the promise is one second; the bound only ends a broken run).
const GIVE_UP: Duration = Duration::from_secs(20);

struct Http {
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Http { client }
    }

    /// Scans a seat code at `addr`: the session cookie (`name=value`).
    async fn scan(&self, addr: SocketAddr, token: &str) -> String {
        let response = self
            .client
            .get(format!("http://{addr}/t/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    async fn get(&self, addr: SocketAddr, path: &str, cookie: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("http://{addr}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn call(
        &self,
        method: reqwest::Method,
        addr: SocketAddr,
        path: &str,
        key: &str,
        body: reqwest::Body,
        content_type: &str,
    ) -> (StatusCode, Value) {
        let response = self
            .client
            .request(method, format!("http://{addr}{path}"))
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn patch(&self, addr: SocketAddr, path: &str, key: &str, body: Value) -> StatusCode {
        let body = reqwest::Body::from(body.to_string());
        let (status, _) = self
            .call(
                reqwest::Method::PATCH,
                addr,
                path,
                key,
                body,
                "application/json",
            )
            .await;
        status
    }

    /// Polls `path` at `addr` until it answers `status`; how long that took.
    async fn until(
        &self,
        addr: SocketAddr,
        path: &str,
        cookie: &str,
        status: StatusCode,
    ) -> Duration {
        let started = Instant::now();
        loop {
            let (answered, _) = self.get(addr, path, cookie).await;
            if answered == status {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < GIVE_UP,
                "{path} at {addr} still answers {answered}, not {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Files below `catalog/titles` of a data directory.
fn local_publication_files(dir: &std::path::Path) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    count(&dir.join("catalog/titles"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_titles_sessions_trips_and_counters_through_the_database_redis_and_s3()
{
    two_instances_share_everything(&RedisServer::start(), "one Redis server").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_on_a_redis_cluster() {
    two_instances_share_everything(&RedisCluster::start(15_000), "a three-node Redis Cluster")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_behind_redis_sentinels() {
    two_instances_share_everything(&RedisSentinel::start(10_000), "Redis behind Sentinels").await;
}

/// Upload on one, read on the other, counters add up, an extension and a
/// withdrawal reach the other: with sessions in `redis`.
async fn two_instances_share_everything(redis: &dyn Redis, shape: &str) {
    let Some(bucket) = support::s3::bucket().await else {
        return;
    };
    let Some(database) = support::postgres::database_url().await else {
        return;
    };
    let mut one = TestApp::with_config(Some(redis), |c| {
        c.database.url = Some(Secret::new(database.clone()));
        c.publications = Some(bucket);
    })
    .await;
    one.database_url = Some(database);
    let accounts = &one.state.accounts;
    let (_, publisher) = accounts
        .create_with_key(Role::Publisher, "Éditions A")
        .await
        .unwrap();
    let (operator_id, operator) = accounts
        .create_with_key(Role::Operator, "TER")
        .await
        .unwrap();
    let trip = one.create_trip_of(&operator_id.id, "TER 17", -5, 60).await;
    let two = one.another_machine(redis).await;
    let (at_one, at_two) = (one.spawn_server().await, two.spawn_server().await);
    let http = Http::new();

    // A publisher uploads on instance 1: the files go to the bucket.
    let book = std::fs::read(write_marker_book(&one.data_path(), 3)).unwrap();
    let (status, title) = http
        .call(
            reqwest::Method::POST,
            at_one,
            "/api/v1/publisher/titles",
            &publisher,
            reqwest::Body::from(book),
            "application/epub+zip",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{title}");
    let id = title["id"].as_str().unwrap().to_owned();
    let manifest = format!("/api/v1/titles/{id}/manifest");
    let chapter = format!("/api/v1/titles/{id}/chapters/0");

    // A passenger scans on instance 2 and reads the title, which instance 2
    // never had a file of: it fetches what it serves from the bucket.
    let cookie = http.scan(at_two, &one.seat_token(&trip, 1)).await;
    let appeared = http.until(at_two, &manifest, &cookie, StatusCode::OK).await;
    let (status, text) = http.get(at_two, &chapter, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("MARKER-CHAPTER-"), "{text}");
    assert_eq!(
        local_publication_files(&one.data_path()),
        0,
        "instance 1 kept no copy"
    );
    assert_eq!(
        local_publication_files(&two.data_path()),
        0,
        "instance 2 has no copy"
    );
    // No sticky sessions: the session opened on 2 reads on 1.
    let (status, _) = http.get(at_one, &chapter, &cookie).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a session opened on 2 is valid on 1"
    );

    // Usage counted on both instances adds up in the report: titles opened
    // by four more passengers on each (the first one opened it on 2).
    for seat in 2..=9 {
        let at = if seat <= 5 { at_one } else { at_two };
        let cookie = http.scan(at, &one.seat_token(&trip, seat)).await;
        let (status, _) = http.get(at, &manifest, &cookie).await;
        assert_eq!(status, StatusCode::OK);
    }
    two.state.flush_usage().await;
    let day = trip.service_date;
    let report = format!("/api/v1/publisher/reports?from={day}&to={day}&group=title");
    let response = http
        .client
        .get(format!("http://{at_one}{report}"))
        .bearer_auth(&publisher)
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"][0]["title"], id.as_str(), "{report}");
    assert_eq!(
        report["rows"][0]["sessions"], 9,
        "4 on one + 5 on two: {report}"
    );

    // A trip extended on instance 1 is extended on instance 2.
    let trip_path = format!("/api/v1/operator/trips/{}", trip.id.get());
    let later = (trip.arrives_at + chrono::Duration::minutes(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let changed = http
        .patch(
            at_one,
            &trip_path,
            &operator,
            json!({ "arrives_at": later }),
        )
        .await;
    assert_eq!(changed, StatusCode::OK);
    let started = Instant::now();
    let extended = loop {
        let response = http
            .client
            .get(format!("http://{at_two}{trip_path}"))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        let seen: Value = response.json().await.unwrap();
        if seen["arrives_at"] == later.as_str() {
            break started.elapsed();
        }
        assert!(started.elapsed() < GIVE_UP, "instance 2 still has {seen}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // A withdrawal on instance 2 is refused by instance 1.
    let withdrawn = http
        .patch(
            at_two,
            &format!("/api/v1/publisher/titles/{id}"),
            &publisher,
            json!({"live": false}),
        )
        .await;
    assert_eq!(withdrawn, StatusCode::OK);
    let (status, _) = http.get(at_two, &chapter, &cookie).await;
    assert_eq!(
        status,
        StatusCode::GONE,
        "the withdrawing instance refuses at once"
    );
    let refused = http
        .until(at_one, &chapter, &cookie, StatusCode::GONE)
        .await;
    eprintln!(
        "figures ({shape}): title seen by instance 2 after {appeared:?}, extension after {extended:?}, \
         withdrawal refused by instance 1 after {refused:?}"
    );
}
