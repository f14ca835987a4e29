//! Session store operations on both backends: the one lookup every reading
//! request pays, the scan's open, and the progression save.
//!
//! The Redis half starts a private `redis-server` on a free loopback port
//! (skipped, loudly, when it is not installed). Run: `cargo bench --bench sessions`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::future::join_all;
use tokio::runtime::Runtime;
use trajet::config::Secret;
use trajet::sessions::{
    MemoryStore, RedisStore, RedisStoreConfig, Session, SessionId, SessionStore,
};

/// A private `redis-server`, killed on drop.
struct RedisServer {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let dir = tempfile::tempdir().ok()?;
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!("\n!!!!! redis-server missing ({e}): Redis benchmarks SKIPPED !!!!!\n");
                return None;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self {
            port,
            child,
            _dir: dir,
        })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn session(expires_at: i64) -> Session {
    Session {
        id: None,
        trip_id: 7,
        seat_code: "7/1/12".into(),
        opened_at: expires_at - 3_600,
        expires_at,
    }
}

fn bench_store(c: &mut Criterion, rt: &Runtime, name: &str, store: SessionStore) {
    let expires_at = chrono::Utc::now().timestamp() + 3_600;
    let id = SessionId::random(7);
    let opened = rt.block_on(store.open(id, &session(expires_at), u32::MAX, None));
    opened.expect("the store answers");
    let mut group = c.benchmark_group(format!("sessions_{name}"));
    group.bench_function("get", |b| b.iter(|| rt.block_on(store.get(id))));
    group.bench_function("open", |b| {
        b.iter(|| {
            let fresh = SessionId::random(7);
            rt.block_on(store.open(fresh, &session(expires_at), u32::MAX, None))
        })
    });
    group.bench_function("resume", |b| {
        let again = SessionId::random(7);
        b.iter(|| rt.block_on(store.open(again, &session(expires_at), u32::MAX, Some(id))))
    });
    let mut stamp = 0;
    let document = r#"{"locator":{"href":"c12","locations":{"progression":0.42}}}"#;
    group.bench_function("save_progress", |b| {
        b.iter(|| {
            stamp += 1;
            rt.block_on(store.save_progress(id, "title-1", stamp, document))
        })
    });
    // 64 concurrent lookups, as 64 connections reading at once: the shared
    // Redis connection pipelines them.
    group.throughput(Throughput::Elements(64));
    group.bench_function("get_64_concurrent", |b| {
        b.iter(|| rt.block_on(join_all((0..64).map(|_| store.get(id)))))
    });
    group.finish();
}

fn sessions(c: &mut Criterion) {
    let rt = Runtime::new().expect("a runtime");
    // The memory store starts its purge task on the runtime it is made in.
    let memory = rt.block_on(async { MemoryStore::new() });
    bench_store(c, &rt, "memory", SessionStore::Memory(memory));
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::new(RedisStoreConfig {
        url: Secret::new(format!("redis://127.0.0.1:{}/", redis.port)),
        prefix: "bench:".into(),
        timeout: Duration::from_secs(2),
    })
    .expect("a Redis URL");
    bench_store(c, &rt, "redis", SessionStore::Redis(store));
    drop(redis);
}

criterion_group!(benches, sessions);
criterion_main!(benches);
