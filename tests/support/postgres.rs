//! A real PostgreSQL server for tests: one per test process, started on the
//! first request with Debian's `initdb` and `postgres` on a free loopback
//! port in a temporary folder (as the `postgres` user when we are root: both
//! refuse to run as root), and stopped when the test process exits, by a
//! small watcher that also removes the folder. Each caller gets a fresh,
//! empty database on it.
//!
//! When PostgreSQL is not installed, [`database_url`] records the skip
//! (`external::skip`; with `CI` set, that fails the test) and answers `None`.
//!
//! One file for every kind of test: the integration tests reach it as
//! `support::postgres`, the unit tests under `src/` as `crate::postgres`.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::external;

/// A running server of this test process.
struct Server {
    port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

/// The URL of a new empty database on this process's server, or `None`
/// (skip recorded) when PostgreSQL is not installed here.
pub async fn database_url() -> Option<String> {
    let server = match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(reason) => {
            external::skip(reason);
            return None;
        }
    };
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    let admin = server.url("postgres");
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("connecting to the test PostgreSQL server");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("creating a test database");
    let _ = sqlx::Connection::close(conn).await;
    Some(server.url(&name))
}

impl Server {
    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

/// The folder of PostgreSQL's server programs: `TRAJET_PG_BIN`, else
/// Debian's newest `/usr/lib/postgresql/*/bin`, else `initdb` on the PATH.
fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TRAJET_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

fn start() -> Result<Server, String> {
    let Some(bin) = binaries() else {
        return Err("PostgreSQL (initdb, postgres) not installed".into());
    };
    let as_root = is_root();
    let dir = std::env::temp_dir().join(format!(
        "trajet-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    if as_root {
        run(Command::new("chown").arg("postgres:").arg(&dir))?;
    }
    let data = dir.join("data");
    run(command(as_root, &bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
            "-D",
        ])
        .arg(&data))?;
    let port = free_port();
    // The watcher: starts the server, then stops it (fast) and removes the
    // folder once this test process is gone, whatever way it ended.
    let postgres = format!(
        "{} {} -D {} -p {port} -h 127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200",
        if as_root {
            "runuser -u postgres --"
        } else {
            ""
        },
        bin.join("postgres").display(),
        data.display(),
        dir.display(),
    );
    let script = format!(
        "{postgres} >{log} 2>&1 & pg=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
         kill -QUIT $(head -n1 {data}/postmaster.pid) 2>/dev/null; wait $pg; rm -rf {dir}",
        log = dir.join("server.log").display(),
        parent = std::process::id(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting PostgreSQL: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("PostgreSQL did not start: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Accepting connections is not yet accepting queries: wait until it answers.
    while !ready(&bin, port) {
        if Instant::now() > deadline {
            return Err("PostgreSQL did not become ready".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server { port })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

fn ready(bin: &Path, port: u16) -> bool {
    Command::new(bin.join("pg_isready"))
        .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

/// `program`, as the `postgres` user when we are root.
fn command(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn is_root() -> bool {
    // The effective user id, without a libc dependency in every test target.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|id| id == "0"))
        })
        .unwrap_or(false)
}
