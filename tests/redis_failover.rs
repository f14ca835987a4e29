//! Redis failing over under scans, in the two production shapes: trajet
//! answers `503` with `Retry-After` while no primary answers (a page for the
//! scan, `application/problem+json` for the API), then serves again by
//! itself, without a restart; afterwards every key it wrote still expires.
//!
//! Nothing here times trajet: the figures (how many 503s, for how long) are
//! printed; the bounds only stop a run that hangs.

mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use support::{Redis, RedisCluster, RedisSentinel, TestApp, body_json, cookie_pair};

/// A run still failing after this is broken, not slow.
const GIVE_UP: Duration = Duration::from_secs(90);
/// Successes in a row that count as recovered.
const RECOVERED: usize = 20;

/// What the scans saw across one outage.
#[derive(Default, Debug)]
struct Outage {
    scans: usize,
    unavailable: usize,
    api_unavailable: usize,
    first_failure: Option<Instant>,
    recovered_at: Option<Instant>,
}

impl Outage {
    fn duration(&self) -> Duration {
        match (self.first_failure, self.recovered_at) {
            (Some(from), Some(to)) => to - from,
            _ => Duration::ZERO,
        }
    }
}

/// One scan of a fresh seat (and, once failures began, one read of the
/// session API): counted in `outage`. Every failure must be a 503 with
/// `Retry-After`. Whether the scan opened its session.
async fn scan_once(
    app: &TestApp,
    trip: &trajet::trips::Trip,
    cookie: &str,
    seats: &mut u16,
    outage: &mut Outage,
) -> bool {
    *seats += 1;
    let response = app.scan(&app.seat_token(trip, *seats), None).await;
    outage.scans += 1;
    let opened = match response.status() {
        StatusCode::SEE_OTHER => true,
        StatusCode::SERVICE_UNAVAILABLE => {
            assert!(
                response.headers().contains_key("retry-after"),
                "a 503 without Retry-After"
            );
            outage.unavailable += 1;
            outage.first_failure.get_or_insert(Instant::now());
            false
        }
        other => panic!("a scan answered {other}"),
    };
    if outage.first_failure.is_some() {
        api_during_outage(app, cookie, outage).await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    opened
}

/// Scans (Redis is broken already) until [`RECOVERED`] scans in a row succeed.
async fn scan_until_recovered(
    app: &TestApp,
    trip: &trajet::trips::Trip,
    cookie: &str,
    seats: &mut u16,
    outage: &mut Outage,
) {
    let started = Instant::now();
    let mut in_a_row = 0;
    let mut first_of_run = None;
    while in_a_row < RECOVERED {
        assert!(started.elapsed() < GIVE_UP, "no recovery: {outage:?}");
        if scan_once(app, trip, cookie, seats, outage).await {
            first_of_run.get_or_insert(Instant::now());
            in_a_row += 1;
        } else {
            first_of_run = None;
            in_a_row = 0;
        }
    }
    outage.recovered_at = first_of_run;
    // A session opened now is read back: the writes reach the primary.
    *seats += 1;
    let fresh = cookie_pair(&app.scan(&app.seat_token(trip, *seats), None).await);
    let response = app.get_with("/api/v1/session", &fresh).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Scans that all succeed while Redis is whole.
async fn scans_succeed(app: &TestApp, trip: &trajet::trips::Trip, seats: &mut u16) {
    for _ in 0..10 {
        *seats += 1;
        let response = app.scan(&app.seat_token(trip, *seats), None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}

/// The API while the store fails: a problem with its code and `Retry-After`.
async fn api_during_outage(app: &TestApp, cookie: &str, outage: &mut Outage) {
    let response = app.get_with("/api/v1/session", cookie).await;
    match response.status() {
        StatusCode::SERVICE_UNAVAILABLE => {
            assert!(response.headers().contains_key("retry-after"));
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
            let problem = body_json(response).await;
            assert_eq!(problem["code"], "session-store-unavailable");
            outage.api_unavailable += 1;
        }
        // The store answers again; a session written just before the
        // primary died may not have reached the replica: a re-scan makes a new one.
        StatusCode::OK | StatusCode::UNAUTHORIZED => {}
        other => panic!("the session API answered {other} during the outage"),
    }
}

/// Every key under the app's prefix expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_failover_during_scans_is_a_bounded_run_of_503s_then_scans_succeed() {
    let mut sentinel = RedisSentinel::start(1_000);
    let app = TestApp::with_config(Some(&sentinel), |c| {
        c.scans_per_minute_per_seat_code = 1_000;
    })
    .await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let mut seats = 0;
    let cookie = cookie_pair(&app.scan(&app.seat_token(&trip, 1000), None).await);

    // The primary is killed: the Sentinels agree it is down and promote the replica.
    scans_succeed(&app, &trip, &mut seats).await;
    let killed = sentinel.kill_primary();
    let mut outage = Outage::default();
    scan_until_recovered(&app, &trip, &cookie, &mut seats, &mut outage).await;
    assert!(outage.unavailable > 0, "the failover was seen: {outage:?}");
    assert!(
        outage.api_unavailable > 0,
        "the API said so too: {outage:?}"
    );
    assert_ne!(sentinel.primary_port(), killed, "a new primary");
    let keys = sentinel.assert_every_key_expires(&app.prefix);
    eprintln!(
        "figures: Sentinel failover (primary killed, down-after 1000 ms): {} scans answered 503 \
         over {:?}, {} API calls 503; then {RECOVERED} scans in a row succeeded; {keys} keys, all expiring",
        outage.unavailable,
        outage.duration(),
        outage.api_unavailable
    );

    // The old primary comes back as a replica; a failover on request
    // (SENTINEL FAILOVER, as for maintenance) is seen the same way.
    sentinel.restart(killed);
    sentinel.wait_settled();
    let cookie = cookie_pair(&app.scan(&app.seat_token(&trip, 1001), None).await);
    let before = sentinel.primary_port();
    scans_succeed(&app, &trip, &mut seats).await;
    sentinel.force_failover();
    let mut outage = Outage::default();
    let asked = Instant::now();
    while sentinel.primary_port() == before {
        assert!(asked.elapsed() < GIVE_UP, "the failover never happened");
        scan_once(&app, &trip, &cookie, &mut seats, &mut outage).await;
    }
    let promoted_after = asked.elapsed();
    // The old primary is demoted (and its clients cut) a moment later.
    while !sentinel.is_replica(before) {
        assert!(
            asked.elapsed() < GIVE_UP,
            "the old primary was never demoted"
        );
        scan_once(&app, &trip, &cookie, &mut seats, &mut outage).await;
    }
    scan_until_recovered(&app, &trip, &cookie, &mut seats, &mut outage).await;
    let keys = sentinel.assert_every_key_expires(&app.prefix);
    eprintln!(
        "figures: SENTINEL FAILOVER: replica promoted {promoted_after:?} after the request; {} scans \
         answered 503 over {:?}, {} API calls 503; {keys} keys, all expiring",
        outage.unavailable,
        outage.duration(),
        outage.api_unavailable
    );
}

/// The first Sentinel of `REDIS_URL` hangs (accepts, never answers, as
/// behind a dead network): it costs trajet one timeout per discovery, and
/// the failover the two others run is followed all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_sentinel_does_not_stall_finding_the_primary() {
    let mut sentinel = RedisSentinel::start(1_000);
    sentinel.silence_sentinel(0);
    let app = TestApp::with_config(Some(&sentinel), |c| {
        c.scans_per_minute_per_seat_code = 1_000;
    })
    .await;
    let trip = app.create_trip("TER 19", -5, 60).await;
    let mut seats = 0;
    let cookie = cookie_pair(&app.scan(&app.seat_token(&trip, 1000), None).await);
    scans_succeed(&app, &trip, &mut seats).await;
    let killed = sentinel.kill_primary();
    let mut outage = Outage::default();
    scan_until_recovered(&app, &trip, &cookie, &mut seats, &mut outage).await;
    assert_ne!(sentinel.primary_port(), killed, "a new primary");
    eprintln!(
        "figures: failover with one Sentinel silent: {} scans answered 503 over {:?}",
        outage.unavailable,
        outage.duration()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_node_lost_is_503s_for_its_slots_then_scans_succeed_once_it_is_back() {
    let mut cluster = RedisCluster::start(2_000);
    let app = TestApp::with_config(Some(&cluster), |c| {
        c.scans_per_minute_per_seat_code = 1_000;
    })
    .await;
    let trip = app.create_trip("TER 18", -5, 60).await;
    let mut seats = 0;
    let cookie = cookie_pair(&app.scan(&app.seat_token(&trip, 1000), None).await);
    // The node holding this trip's keys (its slot: the trip id is the hash tag).
    let owner = cluster.owner_of(&format!("{}{{{}}}:sessions", app.prefix, trip.id.get()));
    scans_succeed(&app, &trip, &mut seats).await;
    cluster.kill(owner);
    // Two seconds without the node: every scan of the trip fails, closed.
    let mut outage = Outage::default();
    let down = Instant::now();
    while down.elapsed() < Duration::from_secs(2) {
        assert!(
            !scan_once(&app, &trip, &cookie, &mut seats, &mut outage).await,
            "a scan opened a session while its slot's node was down"
        );
    }
    // Back, as a restarted machine would be (no replica takes over here:
    // three primaries only); its keys are gone, its slots are its own again.
    cluster.restart(owner);
    scan_until_recovered(&app, &trip, &cookie, &mut seats, &mut outage).await;
    cluster.wait_ok();
    let keys = cluster.assert_every_key_expires(&app.prefix);
    eprintln!(
        "figures: Cluster node owning the trip's slot killed, restarted after 2 s: {} scans answered 503 \
         over {:?}, {} API calls 503; {keys} keys, all expiring",
        outage.unavailable,
        outage.duration(),
        outage.api_unavailable
    );
}

/// The production shape of a Cluster: each primary has a replica. The
/// primary holding the trip's slot is killed and not brought back: its
/// replica takes over, and trajet follows the new slot map by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_primary_lost_fails_over_to_its_replica_and_scans_succeed_again() {
    let mut cluster = RedisCluster::start_with_replicas(2_000, 1);
    let app = TestApp::with_config(Some(&cluster), |c| {
        c.scans_per_minute_per_seat_code = 1_000;
    })
    .await;
    let trip = app.create_trip("TER 20", -5, 60).await;
    let mut seats = 0;
    let cookie = cookie_pair(&app.scan(&app.seat_token(&trip, 1000), None).await);
    let slot_key = format!("{}{{{}}}:sessions", app.prefix, trip.id.get());
    let owner = cluster.owner_of(&slot_key);
    scans_succeed(&app, &trip, &mut seats).await;
    cluster.kill(owner);
    let mut outage = Outage::default();
    scan_until_recovered(&app, &trip, &cookie, &mut seats, &mut outage).await;
    assert_ne!(cluster.owner_of(&slot_key), owner, "a replica took over");
    let keys = cluster.assert_every_key_expires(&app.prefix);
    eprintln!(
        "figures: Cluster primary killed (node timeout 2000 ms), its replica took over: {} scans \
         answered 503 over {:?}, {} API calls 503; {keys} keys, all expiring",
        outage.unavailable,
        outage.duration(),
        outage.api_unavailable
    );
}
