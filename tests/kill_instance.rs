//! `kill -9` of one of two trajet processes under load. Both serve from the
//! same data directory and database (SQLite, or PostgreSQL with
//! `TRAJET_TEST_DATABASE=postgres`) and the same Redis; the load goes to
//! both, with nothing in front. After the kill, every request to the other
//! instance still succeeds, and everything acknowledged before it is there
//! afterwards, read by a fresh process: each upload answered `201` (listed
//! and readable), each trip change answered `200`, and each batch of usage
//! counters committed to the database.
//!
//! Usage counters live in memory between flushes (`usage_flush_seconds`,
//! 1 s here): a passenger's `200` acknowledges the chapter, not the count,
//! and the counts of the killed instance since its last flush are lost. The
//! test checks that no committed batch is lost and prints how many counts were.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::books::write_marker_book;
use support::process::{signal, spawn_watched};
use support::{RedisServer, free_port};

/// Rounds of the load loop (each a scan, a manifest and a chapter; some an upload or an extension).
const ROUNDS: usize = 48;
/// The round after which instance 1 is killed.
const KILL_AT: usize = 20;
/// A pause between rounds: the load lasts a few flush intervals.
const PACE: Duration = Duration::from_millis(150);

/// One `trajet serve` process.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(env: &[(String, String)], port: u16, log: &Path) -> Instance {
        let log = std::fs::File::create(log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_trajet"));
        command
            .arg("serve")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("TRAJET_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        Instance {
            child: spawn_watched(command).expect("the trajet binary"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "{} never became ready",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A graceful stop (SIGTERM): in-flight requests end, counters are flushed.
    fn stop(mut self) {
        signal("-TERM", self.child.id());
        let _ = self.child.wait();
    }
}

/// The settings both instances share.
fn shared_env(data: &Path, redis: &RedisServer, database: Option<&str>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("TRAJET_DATA_DIR", data.display().to_string()),
        ("REDIS_URL", redis.url()),
        ("TRAJET_COOKIE_SECURE", "false".into()),
        ("TRAJET_PUBLIC_URL", "http://127.0.0.1:8080".into()),
        ("TRAJET_SAMPLE_CATALOG", String::new()),
        ("TRAJET_USAGE_FLUSH_SECONDS", "1".into()),
        // The load comes from one address and reuses a few codes: no limit is the subject here.
        ("TRAJET_SCANS_PER_MINUTE_PER_CLIENT", "100000".into()),
        ("TRAJET_SCANS_PER_MINUTE_PER_SEAT_CODE", "100000".into()),
        ("TRAJET_UPLOADS_PER_MINUTE_PER_KEY", "100000".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(url) = database {
        env.push(("DATABASE_URL".into(), url.to_owned()));
    }
    env
}

/// `trajet admin create-… NAME`: the key on the last line.
fn create_account(env: &[(String, String)], kind: &str, name: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_trajet"))
        .args(["admin", kind, name])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned()
}

/// What the load was told, by instance.
#[derive(Default)]
struct Acked {
    uploads: Vec<String>,
    arrivals: Vec<String>,
    /// Sessions that opened the read title, acknowledged by instance 1 / 2.
    opened: [u64; 2],
    /// Rounds on instance 2 after the kill, all answered.
    after_kill_on_two: usize,
    refused_by_one: usize,
}

async fn upload(http: &reqwest::Client, base: &str, key: &str, book: &[u8]) -> Option<String> {
    let response = http
        .post(format!("{base}/api/v1/publisher/titles"))
        .bearer_auth(key)
        .header("content-type", "application/epub+zip")
        .body(book.to_vec())
        .send()
        .await
        .ok()?;
    if response.status() != StatusCode::CREATED {
        return None;
    }
    let title: Value = response.json().await.ok()?;
    title["id"].as_str().map(str::to_owned)
}

/// A scan, the manifest and the first chapter: whether all three were answered.
async fn read(http: &reqwest::Client, base: &str, token: &str, title: &str) -> Option<String> {
    let scan = http.get(format!("{base}/t/{token}")).send().await.ok()?;
    if scan.status() != StatusCode::SEE_OTHER {
        return None;
    }
    let cookie = scan.headers()["set-cookie"]
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .to_owned();
    for path in [
        format!("/api/v1/titles/{title}/manifest"),
        format!("/api/v1/titles/{title}/chapters/0"),
    ] {
        let response = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .await
            .ok()?;
        if response.status() != StatusCode::OK {
            return None;
        }
        response.bytes().await.ok()?;
    }
    Some(cookie)
}

/// The `sessions` count of a title in the publisher's report over `days`.
async fn opened(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    (from, to): &(String, String),
    title: &str,
) -> u64 {
    let report: Value = http
        .get(format!(
            "{base}/api/v1/publisher/reports?from={from}&to={to}&group=title"
        ))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["title"] == title)
        .map_or(0, |row| row["sessions"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_instance_under_load_loses_nothing_acknowledged() {
    let database = support::database_url().await;
    let redis = RedisServer::start();
    let data = tempfile::tempdir().unwrap();
    let env = shared_env(data.path(), &redis, database.as_deref());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let logs = tempfile::tempdir().unwrap();
    let port_one = free_port();
    // A port just freed can be handed out again: the two must differ.
    let port_two = std::iter::repeat_with(free_port)
        .find(|port| *port != port_one)
        .unwrap();
    let one = Instance::start(&env, port_one, &logs.path().join("one.log"));
    one.wait_ready(&http).await;
    let two = Instance::start(&env, port_two, &logs.path().join("two.log"));
    two.wait_ready(&http).await;
    let publisher = create_account(&env, "create-publisher", "Éditions K");
    let operator = create_account(&env, "create-operator", "TER K");

    // A trip running now, its seat codes, and a title to read.
    let now = chrono::Utc::now();
    let arrives = now + chrono::Duration::minutes(60);
    let rfc =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let trip: Value = http
        .post(format!("{}/api/v1/operator/trips", one.base))
        .bearer_auth(&operator)
        .json(&json!({
            "line": "TER K", "train_number": "17423", "origin": "Clermont-Ferrand",
            "destination": "Lyon", "departs_at": rfc(now - chrono::Duration::minutes(5)),
            "arrives_at": rfc(arrives), "seats": 80
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let trip_id = trip["id"].as_u64().expect("a trip") as u32;
    // The report's days around now (the service date is the trip's local date).
    let days = (
        (now - chrono::Duration::days(1)).date_naive().to_string(),
        (now + chrono::Duration::days(1)).date_naive().to_string(),
    );
    let codes: Value = http
        .post(format!(
            "{}/api/v1/operator/trips/{trip_id}/codes",
            one.base
        ))
        .bearer_auth(&operator)
        .json(&json!({"seats": "1-80"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens: Vec<String> = codes["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let book = std::fs::read(write_marker_book(data.path(), 3)).unwrap();
    let title = upload(&http, &one.base, &publisher, &book)
        .await
        .expect("the first upload");
    // Instance 2 learns of the trip and the title within a second (polled change counters).
    let waiting = Instant::now();
    while read(&http, &two.base, &tokens[60], &title).await.is_none() {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "instance 2 never saw the trip and the title"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut acked = Acked::default();
    acked.opened[1] += 1;

    // The load: both instances in turn, paced so that instance 1 flushes
    // its counters a few times before it is killed mid-way.
    let (pid_one, bases) = (one.child.id(), [one.base.clone(), two.base.clone()]);
    let mut killed_at = None;
    let started = Instant::now();
    for round in 0..ROUNDS {
        if round == KILL_AT {
            // From another thread, a moment later: requests are in flight when it lands.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                signal("-KILL", pid_one);
            });
            killed_at = Some(round);
        }
        let at = round % 2;
        let base = &bases[at];
        let must_answer = at == 1;
        let read = read(&http, base, &tokens[round % tokens.len()], &title).await;
        match read {
            Some(_) => acked.opened[at] += 1,
            None if must_answer => panic!("instance 2 failed a read in round {round}"),
            None => acked.refused_by_one += 1,
        }
        if round % 5 == 0 {
            match upload(&http, base, &publisher, &book).await {
                Some(id) => acked.uploads.push(id),
                None if must_answer => panic!("instance 2 failed an upload in round {round}"),
                None => acked.refused_by_one += 1,
            }
        }
        if round % 3 == 0 {
            let later = rfc(arrives + chrono::Duration::minutes(round as i64 + 1));
            let status = http
                .patch(format!("{base}/api/v1/operator/trips/{trip_id}"))
                .bearer_auth(&operator)
                .json(&json!({ "arrives_at": later }))
                .send()
                .await
                .map(|r| r.status());
            match status {
                Ok(StatusCode::OK) => acked.arrivals.push(later),
                _ if must_answer => {
                    panic!("instance 2 failed an extension in round {round}: {status:?}")
                }
                _ => acked.refused_by_one += 1,
            }
        }
        if killed_at.is_some() && must_answer {
            acked.after_kill_on_two += 1;
        }
        tokio::time::sleep(PACE).await;
    }
    let load = started.elapsed();
    let mut one = one;
    let _ = one.child.wait();
    // Committed by now: what instance 1 flushed before it died, and instance 2's flushes.
    let committed_after_kill = opened(&http, &two.base, &publisher, &days, &title).await;
    two.stop();

    // A fresh process reads everything back from the database and the files.
    // On a port of its own: the killed instance's may not be free again yet.
    let port_three = std::iter::repeat_with(free_port)
        .find(|port| ![port_one, port_two].contains(port))
        .unwrap();
    let three = Instance::start(&env, port_three, &logs.path().join("three.log"));
    three.wait_ready(&http).await;
    for id in &acked.uploads {
        let response = http
            .get(format!("{}/api/v1/publisher/titles/{id}", three.base))
            .bearer_auth(&publisher)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "acknowledged upload {id} is gone"
        );
        let seat = tokens.len() - 1 - acked.uploads.iter().position(|u| u == id).unwrap();
        assert!(
            read(&http, &three.base, &tokens[seat], id).await.is_some(),
            "acknowledged upload {id} cannot be read"
        );
    }
    let trip: Value = http
        .get(format!("{}/api/v1/operator/trips/{trip_id}", three.base))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last_acked = acked.arrivals.last().expect("extensions were acknowledged");
    let final_arrival = trip["arrives_at"].as_str().unwrap();
    assert!(
        final_arrival >= last_acked.as_str(),
        "the trip lost an acknowledged extension: {final_arrival} < {last_acked}"
    );
    let final_opened = opened(&http, &three.base, &publisher, &days, &title).await;
    three.stop();
    assert!(
        final_opened >= committed_after_kill,
        "committed counters were lost: {final_opened} < {committed_after_kill}"
    );
    assert!(
        final_opened >= acked.opened[1],
        "instance 2 (stopped gracefully) lost counts: {final_opened} < {}",
        acked.opened[1]
    );
    let total = acked.opened[0] + acked.opened[1];
    assert!(
        final_opened <= total,
        "counted {final_opened} of {total} reads"
    );
    eprintln!(
        "figures: kill -9 under load ({ROUNDS} rounds in {load:?}, killed at round {KILL_AT}): \
         {} rounds on instance 2 after the kill, all answered; {} requests failed on the dead instance; \
         {} uploads and {} extensions acknowledged, all there; title opened by {total} \
         acknowledged reads, {final_opened} counted ({} counts of instance 1 lost since its last \
         1 s flush)",
        acked.after_kill_on_two,
        acked.refused_by_one,
        acked.uploads.len(),
        acked.arrivals.len(),
        total - final_opened
    );
}
