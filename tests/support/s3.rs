//! A real S3-compatible server for tests: `moto` in server mode, one per
//! test process, started on the first request on a free loopback port and
//! stopped when the test process exits (its watcher: `super::process`).
//! Each caller gets a new empty bucket on it.
//!
//! The server is `TRAJET_MOTO_SERVER`, else `moto_server` on the PATH, else
//! the virtual environment `scripts/test.sh` installs it into
//! (`/opt/trajet-moto`). When there is none, [`bucket`] records the skip
//! (`external::skip`; with `CI` set, that fails the test) and answers `None`.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use trajet::config::Secret;
use trajet::publications::BucketSettings;

use super::external;
use super::free_port;
use super::process::spawn_watched_then;

/// Where `scripts/test.sh` installs moto when it is root.
const INSTALLED: &str = "/opt/trajet-moto/bin/moto_server";

struct Server {
    port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT_BUCKET: AtomicU32 = AtomicU32::new(0);

/// The settings of a new empty bucket on this process's server (with a
/// prefix, as production would use), or `None` (skip recorded) when moto is
/// not installed here.
pub async fn bucket() -> Option<BucketSettings> {
    let server = match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(reason) => {
            external::skip(reason);
            return None;
        }
    };
    let name = format!(
        "trajet-{}-{}",
        std::process::id(),
        NEXT_BUCKET.fetch_add(1, Ordering::Relaxed)
    );
    // moto does not check signatures: a plain PUT creates the bucket.
    let created = reqwest::Client::new()
        .put(format!("{}/{name}", server.endpoint()))
        .send()
        .await
        .expect("creating a bucket on moto");
    assert!(
        created.status().is_success(),
        "creating a bucket: {created:?}"
    );
    Some(BucketSettings {
        url: format!("s3://{name}/publications"),
        endpoint: Some(server.endpoint()),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some(Secret::new("testing".into())),
        allow_http: true,
    })
}

impl Server {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The `moto_server` program, if one is installed.
fn program() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TRAJET_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("moto_server"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let installed = PathBuf::from(INSTALLED);
        installed.is_file().then_some(installed)
    })
}

fn start() -> Result<Server, String> {
    let Some(moto) = program() else {
        return Err("moto (S3-compatible server) not installed: pip install 'moto[server]'".into());
    };
    let port = free_port();
    let log = std::env::temp_dir().join(format!("trajet-moto-{}-{port}.log", std::process::id()));
    let output =
        std::fs::File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let mut command = Command::new(&moto);
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(output.try_clone().map_err(|e| e.to_string())?)
        .stderr(output);
    // Stopped, and its log removed, once this test process is gone.
    spawn_watched_then(command, Some(&log)).map_err(|e| format!("starting moto: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("moto did not start: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server { port })
}
