//! One contract for the session store, run against both backends: the
//! in-memory default and a real `redis-server`.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::{
    Backend, Redis, RedisHandle, RedisServer, on_both_stores, redis_store, unique_prefix,
};
use trajet::sessions::{MemoryStore, Opened, Saved, Session, SessionId, SessionStore};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn session(trip_id: u32, seat: &str, expires_in: i64) -> Session {
    Session {
        id: None,
        trip_id,
        seat_code: seat.to_owned(),
        opened_at: now(),
        expires_at: now() + expires_in,
    }
}

struct Fixture {
    store: SessionStore,
    // Keeps a server of the test's own alive; `None` for memory.
    redis: Option<RedisHandle>,
    prefix: String,
}

impl Fixture {
    fn memory() -> Self {
        Fixture {
            store: SessionStore::Memory(MemoryStore::new()),
            redis: None,
            prefix: String::new(),
        }
    }
    fn on(redis: RedisHandle) -> Self {
        let prefix = unique_prefix();
        let store = redis_store(redis.get(), &prefix, Duration::from_secs(2));
        Fixture {
            store,
            redis: Some(redis),
            prefix,
        }
    }
    fn redis() -> Self {
        Fixture::on(RedisHandle::Own(RedisServer::start()))
    }
}

impl From<Backend> for Fixture {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Memory => Fixture::memory(),
            other => Fixture::on(other.redis().expect("a Redis backend")),
        }
    }
}

impl Fixture {
    /// A connection to the fixture's single Redis server, to look at or write records directly.
    fn redis_connection(&self) -> redis::Connection {
        match &self.redis {
            Some(RedisHandle::Own(server)) => server.connection(),
            _ => panic!("a single-server Redis fixture"),
        }
    }

    /// The Redis key of a session's record.
    fn session_key(&self, id: SessionId) -> String {
        session_key(&self.prefix, id)
    }

    /// Every Redis key of this fixture has an expiry (memory: nothing to check).
    fn assert_every_key_expires(&self) {
        let Some(redis) = &self.redis else { return };
        redis.get().assert_every_key_expires(&self.prefix);
    }

    /// `EXPIRETIME` of a key (Redis fixtures only).
    fn expire_time(&self, key: &str) -> Option<i64> {
        let redis = self.redis.as_ref()?;
        for port in redis.get().primary_ports() {
            let mut c = support::redis_servers::connect(port);
            // On a Cluster, a node that does not hold the key's slot answers MOVED.
            match redis::cmd("EXPIRETIME").arg(key).query::<i64>(&mut c) {
                Ok(-2) => {}
                Ok(at) => return Some(at),
                Err(e) if e.kind() == redis::ErrorKind::Moved => {}
                Err(e) => panic!("EXPIRETIME {key} on port {port}: {e}"),
            }
        }
        panic!("no key {key}")
    }
}

/// The Redis key of a session's record: `{prefix}{trip}:s:{random part}`.
fn session_key(prefix: &str, id: SessionId) -> String {
    let random = id.random_hex();
    format!(
        "{prefix}{{{}}}:s:{}",
        id.trip(),
        std::str::from_utf8(&random).unwrap()
    )
}

on_both_stores!(
    an_opened_session_can_be_read_back,
    the_live_lookup_reads_the_trip_and_times_and_follows_extend_and_end,
    an_unknown_session_id_reads_nothing,
    extending_a_trip_moves_expiry_forward_never_backward,
    ending_a_trip_ends_its_sessions_only,
    activation_cap_holds_exactly_under_64_concurrent_scans,
    a_stale_progress_save_never_overwrites_a_newer_one,
    counters_belong_to_a_live_session,
    every_key_has_an_expiry_after_every_operation,
);

async fn an_opened_session_can_be_read_back(f: Fixture) {
    let id = SessionId::random(7);
    let s = session(7, "7/0/12", 600);
    assert_eq!(f.store.open(id, &s, 3, None).await.unwrap(), Opened::Opened);
    let read = f.store.get(id).await.unwrap().expect("session is live");
    assert_eq!(
        (read.trip_id, read.seat_code.as_str(), read.expires_at),
        (7, "7/0/12", s.expires_at)
    );
    assert_eq!(read.id, Some(id));
    assert_eq!(f.store.live_sessions(7).await.unwrap(), 1);
}

async fn the_live_lookup_reads_the_trip_and_times_and_follows_extend_and_end(f: Fixture) {
    let id = SessionId::random(8);
    let s = session(8, "8/0/3", 600);
    f.store.open(id, &s, 3, None).await.unwrap();
    let live = f.store.live(id).await.unwrap().expect("session is live");
    assert_eq!(
        (live.trip_id, live.opened_at, live.expires_at),
        (8, s.opened_at, s.expires_at)
    );
    f.store.extend_trip(8, s.expires_at + 60).await.unwrap();
    let live = f.store.live(id).await.unwrap().unwrap();
    assert_eq!(live.expires_at, s.expires_at + 60);
    assert_eq!(f.store.live(SessionId::random(8)).await.unwrap(), None);
    f.store.end_trip(8).await.unwrap();
    assert_eq!(f.store.live(id).await.unwrap(), None);
}

async fn an_unknown_session_id_reads_nothing(f: Fixture) {
    assert_eq!(f.store.get(SessionId::random(1)).await.unwrap(), None);
    assert_eq!(
        f.store.progress(SessionId::random(1), "t1").await.unwrap(),
        None
    );
}

async fn extending_a_trip_moves_expiry_forward_never_backward(f: Fixture) {
    let id = SessionId::random(3);
    let s = session(3, "3/0/1", 100);
    f.store.open(id, &s, 3, None).await.unwrap();
    f.store.save_progress(id, "t1", 1, "{}").await.unwrap();
    assert_eq!(f.store.extend_trip(3, s.expires_at + 100).await.unwrap(), 1);
    assert_eq!(
        f.store.get(id).await.unwrap().unwrap().expires_at,
        s.expires_at + 100
    );
    // An earlier arrival never shortens a session.
    f.store.extend_trip(3, s.expires_at - 50).await.unwrap();
    assert_eq!(
        f.store.get(id).await.unwrap().unwrap().expires_at,
        s.expires_at + 100
    );
    assert_eq!(
        f.store.live(id).await.unwrap().unwrap().expires_at,
        s.expires_at + 100,
        "the passenger lookup agrees"
    );
    if f.redis.is_some() {
        let key = f.session_key(id);
        for key in [key.clone(), format!("{key}:p")] {
            assert_eq!(
                f.expire_time(&key),
                Some(s.expires_at + 100),
                "{key} follows the extension"
            );
        }
    }
}

async fn ending_a_trip_ends_its_sessions_only(f: Fixture) {
    let ids: Vec<SessionId> = (0..3).map(|_| SessionId::random(1)).collect();
    for (i, id) in ids.iter().enumerate() {
        f.store
            .open(*id, &session(1, &format!("1/0/{i}"), 600), 3, None)
            .await
            .unwrap();
    }
    let other = SessionId::random(2);
    f.store
        .open(other, &session(2, "2/0/1", 600), 3, None)
        .await
        .unwrap();
    assert_eq!(f.store.end_trip(1).await.unwrap(), 3);
    for id in ids {
        assert_eq!(f.store.get(id).await.unwrap(), None);
    }
    assert_eq!(f.store.live_sessions(1).await.unwrap(), 0);
    assert!(f.store.get(other).await.unwrap().is_some());
    // The seat codes of an ended trip start from zero if the trip is reopened.
    assert_eq!(
        f.store
            .open(SessionId::random(1), &session(1, "1/0/0", 600), 1, None)
            .await
            .unwrap(),
        Opened::Opened
    );
}

async fn activation_cap_holds_exactly_under_64_concurrent_scans(f: Fixture) {
    let store = Arc::new(f.store.clone());
    let s = Arc::new(session(9, "9/2/41", 600));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(
                async move { store.open(SessionId::random(9), &s, 3, None).await.unwrap() },
            )
        })
        .collect();
    let mut opened = 0;
    for t in tasks {
        if t.await.unwrap() == Opened::Opened {
            opened += 1;
        }
    }
    assert_eq!(opened, 3, "exactly K sessions, never K+1");
    assert_eq!(f.store.live_sessions(9).await.unwrap(), 3);
    // Another seat code of the same trip is not affected.
    assert_eq!(
        f.store
            .open(SessionId::random(9), &session(9, "9/2/42", 600), 3, None)
            .await
            .unwrap(),
        Opened::Opened
    );
}

async fn a_stale_progress_save_never_overwrites_a_newer_one(f: Fixture) {
    let id = SessionId::random(4);
    f.store
        .open(id, &session(4, "4/0/1", 600), 3, None)
        .await
        .unwrap();
    assert_eq!(
        f.store
            .save_progress(id, "t1", 2_000, r#"{"v":2}"#)
            .await
            .unwrap(),
        Saved::Saved
    );
    assert_eq!(
        f.store
            .save_progress(id, "t1", 1_000, r#"{"v":1}"#)
            .await
            .unwrap(),
        Saved::Stale
    );
    assert_eq!(
        f.store.progress(id, "t1").await.unwrap().as_deref(),
        Some(r#"{"v":2}"#)
    );
    assert_eq!(
        f.store
            .save_progress(id, "t1", 3_000, r#"{"v":3}"#)
            .await
            .unwrap(),
        Saved::Saved
    );
    assert_eq!(
        f.store.progress(id, "t1").await.unwrap().as_deref(),
        Some(r#"{"v":3}"#)
    );
    assert_eq!(f.store.progress(id, "t2").await.unwrap(), None);
    assert_eq!(
        f.store
            .save_progress(SessionId::random(4), "t1", 1, "{}")
            .await
            .unwrap(),
        Saved::NoSession
    );
}

async fn counters_belong_to_a_live_session(f: Fixture) {
    let id = SessionId::random(5);
    f.store
        .open(id, &session(5, "5/0/1", 600), 3, None)
        .await
        .unwrap();
    assert_eq!(
        f.store.incr_counter(id, "opened:t1", 1).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        f.store.incr_counter(id, "opened:t1", 2).await.unwrap(),
        Some(3)
    );
    assert_eq!(
        f.store
            .incr_counter(SessionId::random(5), "opened:t1", 1)
            .await
            .unwrap(),
        None
    );
}

async fn every_key_has_an_expiry_after_every_operation(f: Fixture) {
    let id = SessionId::random(6);
    let s = session(6, "6/1/1", 300);
    f.store.open(id, &s, 1, None).await.unwrap();
    f.assert_every_key_expires();
    assert_eq!(
        f.store
            .open(SessionId::random(6), &s, 1, None)
            .await
            .unwrap(),
        Opened::SeatCodeExhausted
    );
    f.assert_every_key_expires();
    f.store.save_progress(id, "t1", 1, "{}").await.unwrap();
    f.store.incr_counter(id, "c", 1).await.unwrap();
    f.assert_every_key_expires();
    f.store.extend_trip(6, s.expires_at + 60).await.unwrap();
    f.assert_every_key_expires();
    f.store.extend_trip(6, s.expires_at - 60).await.unwrap();
    f.assert_every_key_expires();
}

#[tokio::test(start_paused = true)]
async fn memory_sessions_expire_at_the_end_of_the_window() {
    let store = SessionStore::Memory(MemoryStore::new());
    let id = SessionId::random(1);
    store
        .open(id, &session(1, "1/0/1", 60), 3, None)
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(59)).await;
    assert!(store.get(id).await.unwrap().is_some());
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(store.get(id).await.unwrap(), None);
    assert_eq!(store.live_sessions(1).await.unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn memory_extension_survives_the_old_expiry() {
    let store = SessionStore::Memory(MemoryStore::new());
    let id = SessionId::random(1);
    let s = session(1, "1/0/1", 60);
    store.open(id, &s, 3, None).await.unwrap();
    store.extend_trip(1, s.expires_at + 600).await.unwrap();
    tokio::time::advance(Duration::from_secs(120)).await;
    assert!(
        store.get(id).await.unwrap().is_some(),
        "still live after the old end"
    );
}

#[tokio::test]
async fn redis_sessions_expire_at_the_end_of_the_window() {
    let f = Fixture::redis();
    let id = SessionId::random(1);
    f.store
        .open(id, &session(1, "1/0/1", 3), 3, None)
        .await
        .unwrap();
    assert!(f.store.get(id).await.unwrap().is_some());
    // EXAT has one-second resolution: poll (bounded) until Redis expires the key.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while f.store.get(id).await.unwrap().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the session outlived its expiry"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The packed `live` field of a session record.
fn packed_live(c: &mut redis::Connection, key: &str) -> String {
    redis::cmd("HGET").arg(key).arg("live").query(c).unwrap()
}

/// Overwrites the packed `live` field, as another writer might.
fn set_packed_live(c: &mut redis::Connection, key: &str, packed: impl redis::ToRedisArgs) {
    let _: () = redis::cmd("HSET")
        .arg(key)
        .arg("live")
        .arg(packed)
        .query(c)
        .unwrap();
}

/// Sessions opened before the packed `live` field existed (an upgrade while
/// trains run) are still read, from their separate fields; a garbled packed
/// field is an error, never a session with made-up times.
#[tokio::test]
async fn redis_live_lookup_reads_older_records_and_refuses_garbled_ones() {
    let f = Fixture::redis();
    let mut c = f.redis_connection();
    let id = SessionId::random(4);
    let s = session(4, "4/0/2", 600);
    let key = f.session_key(id);
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg(&["trip", "4", "seat", "4/0/2"])
        .arg("opened")
        .arg(s.opened_at)
        .arg("expires")
        .arg(s.expires_at)
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("EXPIREAT")
        .arg(&key)
        .arg(s.expires_at)
        .query(&mut c)
        .unwrap();
    let live = f
        .store
        .live(id)
        .await
        .unwrap()
        .expect("an older record is live");
    assert_eq!(
        (live.trip_id, live.opened_at, live.expires_at),
        (4, s.opened_at, s.expires_at)
    );
    // Extending the trip gives the older record its packed field.
    let _: () = redis::cmd("SADD")
        .arg(format!("{}{{4}}:sessions", f.prefix))
        .arg(std::str::from_utf8(&id.random_hex()).unwrap())
        .query(&mut c)
        .unwrap();
    assert_eq!(f.store.extend_trip(4, s.expires_at + 60).await.unwrap(), 1);
    let packed = packed_live(&mut c, &key);
    assert_eq!(packed, format!("4 {} {}", s.opened_at, s.expires_at + 60));
    assert_eq!(
        f.store.live(id).await.unwrap().unwrap().expires_at,
        s.expires_at + 60
    );
    for garbled in ["4 12", "4 12 x", "4 12 13 14", ""] {
        set_packed_live(&mut c, &key, garbled);
        assert!(
            f.store.live(id).await.is_err(),
            "{garbled:?} was read as a session"
        );
    }
}

/// During a rolling upgrade an older trajet extends a trip by moving
/// `expires` only: the packed field then says the session ended while its key
/// lives on. The lookup trusts `expires` then, and the next extension by this
/// trajet repairs the packed field.
#[tokio::test]
async fn redis_an_extension_by_an_older_trajet_is_not_lost() {
    let f = Fixture::redis();
    let mut c = f.redis_connection();
    let id = SessionId::random(5);
    let s = session(5, "5/0/1", 600);
    f.store.open(id, &s, 3, None).await.unwrap();
    let key = f.session_key(id);
    let ended = now() - 1;
    set_packed_live(&mut c, &key, format!("5 {} {ended}", s.opened_at));
    let live = f
        .store
        .live(id)
        .await
        .unwrap()
        .expect("the extended session is live");
    assert_eq!(live.expires_at, s.expires_at);
    f.store.extend_trip(5, s.expires_at).await.unwrap();
    let packed = packed_live(&mut c, &key);
    assert_eq!(packed, format!("5 {} {}", s.opened_at, s.expires_at));
}

on_both_stores!(
    a_rescan_from_the_same_browser_keeps_its_session,
    a_session_of_another_trip_is_never_resumed
);

async fn a_rescan_from_the_same_browser_keeps_its_session(f: Fixture) {
    let first = SessionId::random(11);
    let s = session(11, "11/0/5", 600);
    assert_eq!(
        f.store.open(first, &s, 1, None).await.unwrap(),
        Opened::Opened
    );
    // Same seat code, cap 1 already used: the holder of the session gets it back.
    assert_eq!(
        f.store
            .open(SessionId::random(11), &s, 1, Some(first))
            .await
            .unwrap(),
        Opened::Resumed(first)
    );
    // Anyone else is refused.
    assert_eq!(
        f.store
            .open(SessionId::random(11), &s, 1, None)
            .await
            .unwrap(),
        Opened::SeatCodeExhausted
    );
    // An unknown id sent by a client is ignored, never adopted.
    let forged = SessionId::random(11);
    assert_eq!(
        f.store
            .open(SessionId::random(11), &s, 1, Some(forged))
            .await
            .unwrap(),
        Opened::SeatCodeExhausted
    );
    assert_eq!(f.store.get(forged).await.unwrap(), None);
}

async fn a_session_of_another_trip_is_never_resumed(f: Fixture) {
    let other_trip = SessionId::random(12);
    f.store
        .open(other_trip, &session(12, "12/0/1", 600), 3, None)
        .await
        .unwrap();
    let fresh = SessionId::random(13);
    assert_eq!(
        f.store
            .open(fresh, &session(13, "13/0/1", 600), 3, Some(other_trip))
            .await
            .unwrap(),
        Opened::Opened
    );
    assert!(f.store.get(fresh).await.unwrap().is_some());
}

/// Logs every command a client sends from now on (the slow log with no
/// threshold), on every primary.
fn log_every_command(redis: &dyn Redis) {
    for port in redis.primary_ports() {
        let mut c = support::redis_servers::connect(port);
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("slowlog-log-slower-than")
            .arg(0)
            .arg("slowlog-max-len")
            .arg(1024)
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut c).unwrap();
    }
}

/// The commands clients sent since [`log_every_command`] (a script's own
/// calls are logged from client `?:0`: left out), less the harness's.
fn commands_sent(redis: &dyn Redis) -> Vec<String> {
    let mut sent = Vec::new();
    for port in redis.primary_ports() {
        let entries: Vec<redis::Value> = redis::cmd("SLOWLOG")
            .arg("GET")
            .arg(1024)
            .query(&mut support::redis_servers::connect(port))
            .unwrap();
        for entry in entries {
            let redis::Value::Array(fields) = entry else {
                continue;
            };
            let text = |v: &redis::Value| match v {
                redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                redis::Value::SimpleString(s) => s.clone(),
                _ => String::new(),
            };
            let args = match fields.get(3) {
                Some(redis::Value::Array(args)) => args.iter().map(text).collect::<Vec<_>>(),
                _ => continue,
            };
            let client = fields.get(4).map(text).unwrap_or_default();
            let command = args
                .first()
                .cloned()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if client != "?:0"
                && !["slowlog", "config", "cluster", "ping"].contains(&command.as_str())
            {
                sent.push(command);
            }
        }
    }
    sent
}

/// A scan is one round trip: one `EVALSHA`, on one server (or on the one
/// Cluster node that owns the trip's slot), once the script is loaded.
async fn a_scan_is_one_evalsha(redis: &dyn Redis) {
    let prefix = unique_prefix();
    let store = redis_store(redis, &prefix, Duration::from_secs(2));
    let s = session(21, "21/0/1", 600);
    store
        .open(SessionId::random(21), &s, 3, None)
        .await
        .unwrap();
    log_every_command(redis);
    let first = SessionId::random(21);
    assert_eq!(
        store
            .open(SessionId::random(21), &s, 3, Some(first))
            .await
            .unwrap(),
        Opened::Opened
    );
    assert_eq!(commands_sent(redis), ["evalsha"]);
}

#[tokio::test]
async fn redis_a_scan_is_one_evalsha() {
    a_scan_is_one_evalsha(&RedisServer::start()).await;
}

#[tokio::test]
async fn redis_cluster_a_scan_is_one_evalsha() {
    a_scan_is_one_evalsha(&support::RedisCluster::start(15_000)).await;
}
