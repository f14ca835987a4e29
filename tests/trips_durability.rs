//! Trips in the database under stress from two processes: the service and
//! the `trajet import gtfs` command line writing at once lose nothing, and a
//! command line killed (`kill -9`) in the middle of an import leaves the old
//! trips or the new ones, never half. Runs on SQLite and, with
//! `TRAJET_TEST_DATABASE=postgres`, on PostgreSQL.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{NaiveDate, Timelike};
use serde_json::json;
use support::{TestApp, body_json, send};
use trajet::accounts::Role;
use trajet::db::Backend;

/// The Monday the generated feeds are imported for.
const DAY: &str = "2026-11-30";

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

/// `trajet import gtfs FEED` for the app's only operator, on the app's database.
fn cli_import(app: &TestApp, feed: &Path) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trajet"));
    command
        .args(["import", "gtfs"])
        .arg(feed)
        .args(["--from", DAY, "--to", DAY])
        .env("TRAJET_DATA_DIR", app.data_path())
        .env_remove("TRAJET_CONFIG")
        .env_remove("REDIS_URL")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &app.database_url {
        command.env("DATABASE_URL", url);
    }
    command.spawn().unwrap()
}

fn write_feed(app: &TestApp, name: &str, trips: usize, shift: u32) -> std::path::PathBuf {
    let path = app.data_path().join(name);
    std::fs::write(&path, support::gtfs::many_trips_feed(trips, shift)).unwrap();
    path
}

async fn app_with_operator() -> (TestApp, String) {
    let app = TestApp::new(None).await;
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Operator, "TER Auvergne")
        .await
        .unwrap();
    (app, key)
}

/// The timetable the stored trips of the day follow: `Some(shift)` when
/// every one of them follows the feed of that shift, `None` for a mix.
async fn stored_timetable(app: &TestApp) -> (usize, Option<u32>) {
    let trips = app.state.trips.list(day()).await.unwrap();
    let paris = chrono_tz::Europe::Paris;
    let shifts: std::collections::BTreeSet<u32> = trips
        .iter()
        .map(|t| {
            let index: usize = t.train_number.parse::<usize>().unwrap() - 10_000;
            let local = t.departs_at.with_timezone(&paris);
            let minutes = local.hour() * 60 + local.minute();
            minutes - support::gtfs::many_trips_departure(index, 0)
        })
        .collect();
    let shift = (shifts.len() == 1).then(|| *shifts.first().unwrap());
    (trips.len(), shift)
}

/// Whether a write transaction of the trips holds their change row now.
async fn a_trips_write_is_open(app: &TestApp) -> bool {
    let db = &app.state.db;
    let mut conn = db.pool().acquire().await.unwrap();
    match db.backend() {
        Backend::Postgres => {
            let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
            let locked = sqlx::query(
                "SELECT generation FROM changes WHERE domain = 'trips' FOR UPDATE NOWAIT",
            )
            .fetch_one(&mut *tx)
            .await
            .is_err();
            tx.rollback().await.unwrap();
            locked
        }
        Backend::Sqlite => {
            use sqlx::Executor as _;
            conn.execute("PRAGMA busy_timeout = 0").await.unwrap();
            let locked = conn.execute("BEGIN IMMEDIATE").await.is_err();
            if !locked {
                conn.execute("ROLLBACK").await.unwrap();
            }
            conn.execute("PRAGMA busy_timeout = 30000").await.unwrap();
            locked
        }
    }
}

/// Killed at several points of its write transaction, the import leaves the
/// old timetable whole every time; run to its end, the new one, whole.
#[tokio::test]
async fn an_import_killed_mid_transaction_leaves_the_old_trips_or_the_new_ones() {
    let (app, _) = app_with_operator().await;
    const TRIPS: usize = 20_000;
    let old = write_feed(&app, "old.zip", TRIPS, 0);
    let output = cli_import(&app, &old).wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stored_timetable(&app).await, (TRIPS, Some(0)));

    // The new timetable moves every trip 7 minutes and adds 500 trips.
    let new = write_feed(&app, "new.zip", TRIPS + 500, 7);
    for delay_ms in [0, 50, 200] {
        let mut child = cli_import(&app, &new);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !a_trips_write_is_open(&app).await {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the import ended before it was killed: make the feed larger"
            );
            assert!(
                Instant::now() < deadline,
                "the import never started writing"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "killed {delay_ms} ms into its transaction, the import had already ended"
        );
        assert_eq!(
            stored_timetable(&app).await,
            (TRIPS, Some(0)),
            "killed {delay_ms} ms into its write"
        );
    }
    let output = cli_import(&app, &new).wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("500 created, 20000 updated"), "{stdout}");
    assert_eq!(stored_timetable(&app).await, (TRIPS + 500, Some(7)));
}

/// The service creates trips through its API while the command line imports
/// a feed: every trip of both lands, each under its own id.
#[tokio::test]
async fn the_service_and_a_cli_import_writing_at_once_lose_nothing() {
    let (app, key) = app_with_operator().await;
    const TRIPS: usize = 5_000;
    let feed = write_feed(&app, "feed.zip", TRIPS, 0);
    let child = cli_import(&app, &feed);
    let mut created = Vec::new();
    let mut n = 0;
    // Create trips until the import is over, and a few more.
    let import = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    while !import.is_finished() || n < 20 {
        let body = json!({
            "line": "TER", "train_number": format!("H{n}"),
            "origin": "Clermont-Ferrand", "destination": "Lyon Part-Dieu",
            "departs_at": "2026-11-30T09:00:00Z", "arrives_at": "2026-11-30T10:10:00Z",
            "seats": 80, "service_date": DAY,
        });
        let request = Request::post("/api/v1/operator/trips")
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = send(&app.router, request).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        created.push(body_json(response).await["id"].as_u64().unwrap());
        n += 1;
        // Below the per-key API rate (1,200 a minute), however long the
        // import takes on a busy machine.
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    }
    let output = import.await.unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("{TRIPS} created")), "{stdout}");

    let stored = app.state.trips.list(day()).await.unwrap();
    assert_eq!(stored.len(), TRIPS + created.len());
    let mut ids: Vec<u32> = stored.iter().map(|t| t.id.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), stored.len(), "every trip has its own id");
    for id in created {
        assert!(
            ids.binary_search(&(id as u32)).is_ok(),
            "trip {id} was lost"
        );
    }
}
