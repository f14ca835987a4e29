//! Real Redis for tests, in the three shapes `REDIS_URL` names, all on free
//! loopback ports in a temporary folder, without persistence:
//! - [`RedisServer`]: one `redis-server`;
//! - [`RedisCluster`]: three `redis-server --cluster-enabled yes` nodes, slots
//!   assigned by `redis-cli --cluster create`, ready once every node says
//!   `cluster_state:ok`;
//! - [`RedisSentinel`]: a primary, a replica and three Sentinels
//!   (`redis-server --sentinel`, quorum 2), ready once every Sentinel knows
//!   the replica and the other two.
//!
//! Each is killed on drop; each process also gets a watcher
//! ([`super::process::spawn_watched`]) that kills it if the test process dies
//! first, so [`RedisCluster::shared`] and [`RedisSentinel::shared`] (one per
//! test process, for tests that isolate by key prefix and break nothing) do
//! not outlive it. Tests that kill nodes start their own.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::free_port;
use super::process::{signal, spawn_watched};

/// A Redis deployment a store can be pointed at.
pub trait Redis: Send + Sync {
    /// Its `REDIS_URL`.
    fn url(&self) -> String;
    /// The loopback ports of the servers that hold keys now (primaries).
    fn primary_ports(&self) -> Vec<u16>;

    /// Every key under `prefix` on every primary, with its `TTL`.
    fn keys_with_ttl(&self, prefix: &str) -> Vec<(String, i64)> {
        let mut found = Vec::new();
        for port in self.primary_ports() {
            let mut c = connect(port);
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}*"))
                .query(&mut c)
                .unwrap();
            for key in keys {
                let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut c).unwrap();
                found.push((key, ttl));
            }
        }
        found
    }

    /// Asserts that there are keys under `prefix` and that every one expires
    /// (a key without a TTL would outlive its trip); how many there are.
    fn assert_every_key_expires(&self, prefix: &str) -> usize {
        let keys = self.keys_with_ttl(prefix);
        assert!(
            !keys.is_empty(),
            "no keys under {prefix}: nothing was written"
        );
        for (key, ttl) in &keys {
            assert!(*ttl > 0, "key {key} has no expiry (TTL {ttl})");
        }
        keys.len()
    }
}

/// A synchronous connection to the server on a loopback port.
pub fn connect(port: u16) -> redis::Connection {
    try_connect(port).unwrap_or_else(|e| panic!("connecting to Redis on {port}: {e}"))
}

/// The same, or why not (a server being demoted closes its clients' connections).
fn try_connect(port: u16) -> redis::RedisResult<redis::Connection> {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))?
        .get_connection_with_timeout(Duration::from_secs(5))
}

/// Whether the server on `port` answers PING now.
fn answers(port: u16) -> bool {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .ok()
        .and_then(|client| {
            client
                .get_connection_with_timeout(Duration::from_millis(200))
                .ok()
        })
        .is_some_and(|mut c| redis::cmd("PING").query::<String>(&mut c).is_ok())
}

/// Polls `ready` until it holds; panics naming `what` after a minute.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what}: not ready after a minute"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One `redis-server` process on a port, with its arguments, so it can be
/// killed and started again as it was (a node keeps its identity in `dir`).
struct Node {
    port: u16,
    args: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn start(port: u16, dir: &Path, args: &[String]) -> Node {
        let mut node = Node {
            port,
            args: args.to_vec(),
            dir: dir.to_path_buf(),
            child: None,
        };
        node.spawn();
        node
    }

    fn spawn(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(&self.args)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(spawn_watched(command).expect(
            "redis-server must be installed to run these tests (scripts/test.sh installs it)",
        ));
        let port = self.port;
        wait_for(&format!("redis-server on {port}"), || answers(port));
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// `kill -9`: gone at once.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            signal("-CONT", child.id());
        }
        self.kill();
    }
}

/// No snapshots, no append-only file: test data dies with the server. A
/// replica's first sync starts at once (not after the default 5 s).
fn ephemeral(dir: &Path) -> Vec<String> {
    vec![
        "--save".into(),
        String::new(),
        "--appendonly".into(),
        "no".into(),
        "--repl-diskless-sync-delay".into(),
        "0".into(),
        "--dir".into(),
        dir.display().to_string(),
    ]
}

/// A private `redis-server` on a free loopback port, killed on drop.
pub struct RedisServer {
    pub port: u16,
    node: Node,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server; panics with a clear message when `redis-server` is missing.
    pub fn start() -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let node = Node::start(port, dir.path(), &ephemeral(dir.path()));
        RedisServer { port, node, dir }
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `kill -9`: the server is gone at once.
    pub fn kill(&mut self) {
        self.node.kill();
    }

    /// Starts it again on the same port (after `kill`).
    pub fn restart(&mut self) {
        self.node.spawn();
    }

    /// `SIGSTOP`: the server hangs with its sockets open.
    pub fn pause(&self) {
        signal("-STOP", self.node.pid());
    }

    /// `SIGCONT`: the server answers again.
    pub fn resume(&self) {
        signal("-CONT", self.node.pid());
    }

    /// A synchronous connection for inspecting keys.
    pub fn connection(&self) -> redis::Connection {
        connect(self.port)
    }
}

impl Redis for RedisServer {
    fn url(&self) -> String {
        RedisServer::url(self)
    }
    fn primary_ports(&self) -> Vec<u16> {
        vec![self.port]
    }
}

/// A three-node Redis Cluster (three primaries, no replicas).
pub struct RedisCluster {
    nodes: Vec<Node>,
    dir: tempfile::TempDir,
}

static SHARED_CLUSTER: OnceLock<RedisCluster> = OnceLock::new();
static SHARED_SENTINEL: OnceLock<RedisSentinel> = OnceLock::new();

impl RedisCluster {
    /// Starts three primaries and assigns the slots. `node_timeout_ms`: how
    /// long a node may be silent before the others mark it failed.
    pub fn start(node_timeout_ms: u32) -> Self {
        Self::start_with_replicas(node_timeout_ms, 0)
    }

    /// Three primaries with `replicas` replicas each (which take over a
    /// primary that fails).
    pub fn start_with_replicas(node_timeout_ms: u32, replicas: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let nodes: Vec<Node> = (0..3 * (1 + replicas))
            .map(|i| {
                let port = free_port();
                let mut args = ephemeral(dir.path());
                args.extend([
                    "--cluster-enabled".into(),
                    "yes".into(),
                    "--cluster-config-file".into(),
                    format!("nodes-{i}.conf"),
                    // The bus port too: the default (port + 10000) may not be free.
                    "--cluster-port".into(),
                    free_port().to_string(),
                    "--cluster-node-timeout".into(),
                    node_timeout_ms.to_string(),
                ]);
                Node::start(port, dir.path(), &args)
            })
            .collect();
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for node in &nodes {
            create.arg(format!("127.0.0.1:{}", node.port));
        }
        let output = create
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .output()
            .expect("redis-cli must be installed (Debian's redis-tools)");
        assert!(
            output.status.success(),
            "redis-cli --cluster create: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let cluster = RedisCluster { nodes, dir };
        cluster.wait_ok();
        cluster
    }

    /// This test process's cluster (never broken by a test; keys isolated by prefix).
    pub fn shared() -> &'static RedisCluster {
        SHARED_CLUSTER.get_or_init(|| RedisCluster::start(15_000))
    }

    /// Waits until every running node says `cluster_state:ok`, and every
    /// replica is in sync (a replica that never synced will not take over).
    pub fn wait_ok(&self) {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            let port = node.port;
            wait_for(&format!("cluster node {port}"), || {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut connect(port))
                    .unwrap_or_default();
                let replication: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut connect(port))
                    .unwrap_or_default();
                info.contains("cluster_state:ok")
                    && (replication.contains("role:master")
                        || replication.contains("master_link_status:up"))
            });
        }
    }

    /// The nodes' ports.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// `kill -9` of node `i`.
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].kill();
    }

    /// Starts node `i` again with its identity and slots (its nodes file).
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].spawn();
    }

    /// A node that runs now.
    fn live_port(&self) -> u16 {
        self.nodes
            .iter()
            .find(|n| n.child.is_some())
            .expect("a node runs")
            .port
    }

    /// The slot ranges and the port of the primary serving each.
    fn slot_primaries(&self) -> Vec<(u16, u16, u16)> {
        let slots: Vec<(u16, u16, Vec<redis::Value>)> = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query(&mut connect(self.live_port()))
            .unwrap();
        slots
            .into_iter()
            .filter_map(|(from, to, primary)| match primary.get(1) {
                Some(redis::Value::Int(port)) => Some((from, to, *port as u16)),
                _ => None,
            })
            .collect()
    }

    /// The node that owns `key`'s slot now.
    pub fn owner_of(&self, key: &str) -> usize {
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut connect(self.live_port()))
            .unwrap();
        let port = self
            .slot_primaries()
            .into_iter()
            .find(|(from, to, _)| (*from..=*to).contains(&slot))
            .map(|(_, _, port)| port)
            .expect("every slot is assigned");
        self.nodes.iter().position(|n| n.port == port).unwrap()
    }
}

impl Redis for RedisCluster {
    fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }
    fn primary_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .slot_primaries()
            .into_iter()
            .map(|(_, _, port)| port)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

/// The name the Sentinels monitor the primary under.
pub const SERVICE: &str = "trajet";

/// A primary, its replica and three Sentinels (quorum 2).
pub struct RedisSentinel {
    servers: Vec<Node>,
    sentinels: Vec<Node>,
    dir: tempfile::TempDir,
}

impl RedisSentinel {
    /// Starts the set. `down_after_ms`: how long the primary may be silent
    /// before a Sentinel thinks it down (and the failover starts).
    pub fn start(down_after_ms: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let primary_port = free_port();
        let primary = Node::start(primary_port, dir.path(), &ephemeral(dir.path()));
        let mut replica_args = ephemeral(dir.path());
        replica_args.extend([
            "--replicaof".into(),
            "127.0.0.1".into(),
            primary_port.to_string(),
        ]);
        let replica = Node::start(free_port(), dir.path(), &replica_args);
        let sentinels = (0..3)
            .map(|i| {
                // A Sentinel rewrites its configuration file: one each.
                let conf = dir.path().join(format!("sentinel-{i}.conf"));
                std::fs::write(
                    &conf,
                    format!(
                        "sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n\
                         sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n\
                         sentinel failover-timeout {SERVICE} {}\n\
                         sentinel parallel-syncs {SERVICE} 1\n",
                        down_after_ms * 3
                    ),
                )
                .unwrap();
                let args = vec![conf.display().to_string(), "--sentinel".into()];
                Node::start(free_port(), dir.path(), &args)
            })
            .collect();
        let set = RedisSentinel {
            servers: vec![primary, replica],
            sentinels,
            dir,
        };
        set.wait_settled();
        set
    }

    /// This test process's set (never failed over by a test; keys isolated by prefix).
    pub fn shared() -> &'static RedisSentinel {
        SHARED_SENTINEL.get_or_init(|| RedisSentinel::start(10_000))
    }

    /// Waits until every Sentinel knows the primary, one replica and the
    /// two other Sentinels (what a failover needs), and the replica is in sync.
    pub fn wait_settled(&self) {
        for sentinel in &self.sentinels {
            let port = sentinel.port;
            wait_for(&format!("Sentinel on {port}"), || {
                let fields: Vec<String> = redis::cmd("SENTINEL")
                    .arg("MASTER")
                    .arg(SERVICE)
                    .query(&mut connect(port))
                    .unwrap_or_default();
                let field = |name: &str| {
                    fields
                        .iter()
                        .position(|f| f == name)
                        .and_then(|i| fields.get(i + 1))
                        .cloned()
                        .unwrap_or_default()
                };
                field("num-slaves") == "1"
                    && field("num-other-sentinels") == "2"
                    && field("flags") == "master"
            });
        }
        let replica = self.replica_port();
        wait_for("the replica in sync", || {
            let info: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut connect(replica))
                .unwrap_or_default();
            info.contains("master_link_status:up")
        });
    }

    /// The port of the primary the Sentinels name now.
    pub fn primary_port(&self) -> u16 {
        let (_, port): (String, String) = redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(SERVICE)
            .query(&mut connect(self.sentinels[2].port))
            .unwrap();
        port.parse().unwrap()
    }

    fn replica_port(&self) -> u16 {
        let primary = self.primary_port();
        self.servers
            .iter()
            .map(|s| s.port)
            .find(|p| *p != primary)
            .unwrap()
    }

    /// Whether the server on `port` says it is a replica now (not while it
    /// is cutting its clients off to become one).
    pub fn is_replica(&self, port: u16) -> bool {
        let Ok(mut connection) = try_connect(port) else {
            return false;
        };
        let role: Vec<redis::Value> = redis::cmd("ROLE")
            .query(&mut connection)
            .unwrap_or_default();
        matches!(role.first(), Some(redis::Value::BulkString(r)) if r == b"slave")
    }

    /// `kill -9` of the server that is the primary now; its port.
    pub fn kill_primary(&mut self) -> u16 {
        let port = self.primary_port();
        let node = self.servers.iter_mut().find(|s| s.port == port).unwrap();
        node.kill();
        port
    }

    /// Starts the server on `port` again (the Sentinels make it a replica).
    pub fn restart(&mut self, port: u16) {
        let node = self.servers.iter_mut().find(|s| s.port == port).unwrap();
        node.spawn();
    }

    /// `SIGSTOP` of Sentinel `i` (the `i`-th in the URL): it accepts
    /// connections and never answers, as behind a dead network.
    pub fn silence_sentinel(&self, i: usize) {
        signal("-STOP", self.sentinels[i].pid());
    }

    /// `SENTINEL FAILOVER`: a failover without waiting for the primary to fail.
    /// A Sentinel refuses it (NOGOODSLAVE) until it has seen a replica in sync,
    /// which after a restart takes until its next look at the replicas (up to
    /// ten seconds, longer on a loaded machine): asked again until then.
    pub fn force_failover(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let answer: redis::RedisResult<String> = redis::cmd("SENTINEL")
                .arg("FAILOVER")
                .arg(SERVICE)
                .query(&mut connect(self.sentinels[2].port));
            match answer {
                Ok(_) => return,
                Err(e)
                    if e.to_string().contains("NOGOODSLAVE")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) => panic!("SENTINEL FAILOVER: {e}"),
            }
        }
    }
}

impl Redis for RedisSentinel {
    fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+sentinel://{}/{SERVICE}", hosts.join(","))
    }
    fn primary_ports(&self) -> Vec<u16> {
        vec![self.primary_port()]
    }
}
