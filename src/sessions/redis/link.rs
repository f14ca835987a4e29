//! The connection to Redis in each shape of `REDIS_URL`, behind one type the
//! store sends its commands through ([`Conn`], a redis crate connection).
//!
//! - One server: the crate's `ConnectionManager` reconnects by itself.
//! - Sentinel: a multiplexed connection to the primary the Sentinels name
//!   (asked one by one, each within the store's timeout: `SENTINEL
//!   GET-MASTER-ADDR-BY-NAME`, then `ROLE` on the server named). When it fails (connection lost or refused, no answer in time, or
//!   `READONLY`: the server we hold was demoted) it is dropped, and the next
//!   call asks the Sentinels again. Sentinels close every client of a primary
//!   they demote, so a failover always shows up here as a failed call.
//! - Cluster: the crate's cluster connection routes each call to the node
//!   that owns its slot and follows the slot map when a node fails over.
//!
//! Nothing here retries a call: a failed call is answered `503` with
//! `Retry-After`, and the passenger's retry goes to the new primary.
//!
//! One difference between the shapes: after a timeout the Sentinel shape
//! drops its connection (a primary that went silent may be gone), so the
//! order the scan relies on when Redis stalls (a timed-out call runs before
//! the later ones on the same connection: `super`'s module doc) holds on
//! one server, not across a Sentinel reconnection. There, a scan retried
//! during a stall may use one more activation of its seat code.

use std::sync::RwLock;
use std::time::Duration;

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{
    AsyncConnectionConfig, Cmd, ConnectionAddr, ConnectionInfo, Pipeline, RedisConnectionInfo,
    RedisError, RedisFuture, RedisResult, Value,
};
use tokio::sync::{Mutex, OnceCell};

use super::url::Target;

/// A connection to send one call through (cheap to clone: each shares one socket per node).
#[derive(Clone)]
pub enum Conn {
    /// One server.
    Manager(ConnectionManager),
    /// The primary the Sentinels named.
    Primary(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Manager(c) => c.req_packed_command(cmd),
            Conn::Primary(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Manager(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Primary(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Manager(c) => c.get_db(),
            Conn::Primary(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

/// How the store reaches Redis; connects on first use, so trajet starts
/// (and answers `503`) while Redis is still down.
pub enum Link {
    /// One server.
    Single {
        client: redis::Client,
        manager: OnceCell<ConnectionManager>,
        timeout: Duration,
    },
    /// Sentinels and the primary they name.
    Sentinel(SentinelLink),
    /// A Redis Cluster.
    Cluster {
        client: ClusterClient,
        connection: OnceCell<ClusterConnection>,
    },
}

/// The Sentinel shape's state: whom to ask, and the primary's connection while it works.
pub struct SentinelLink {
    sentinels: Vec<ConnectionInfo>,
    service: String,
    node: RedisConnectionInfo,
    config: AsyncConnectionConfig,
    timeout: Duration,
    /// One discovery at a time; the others then find the connection it made.
    asking: Mutex<()>,
    /// A std lock: held only to clone or replace the handle, never across an await.
    primary: RwLock<Option<MultiplexedConnection>>,
}

impl Link {
    /// Prepares the link for a target; connects nothing yet.
    pub fn new(target: Target, timeout: Duration) -> anyhow::Result<Link> {
        Ok(match target {
            Target::Single(info) => Link::Single {
                client: redis::Client::open(info)
                    .map_err(|e| anyhow::anyhow!("REDIS_URL: {:?}", e.kind()))?,
                manager: OnceCell::new(),
                timeout,
            },
            Target::Sentinel {
                sentinels,
                service,
                node,
            } => Link::Sentinel(SentinelLink {
                sentinels,
                service,
                node,
                config: AsyncConnectionConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(timeout),
                timeout,
                asking: Mutex::new(()),
                primary: RwLock::new(None),
            }),
            Target::Cluster { nodes } => Link::Cluster {
                // Few retries: a call that cannot reach its slot's node is
                // answered 503 within the store's bound rather than retried
                // for the crate's default of sixteen rounds.
                client: ClusterClientBuilder::new(nodes)
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(2)
                    .min_retry_wait(10)
                    .max_retry_wait(timeout.as_millis() as u64 / 2)
                    .build()
                    .map_err(|e| anyhow::anyhow!("REDIS_URL: {:?}", e.kind()))?,
                connection: OnceCell::new(),
            },
        })
    }

    /// The connection when it is already made (every call after the first).
    pub fn ready(&self) -> Option<Conn> {
        match self {
            Link::Single { manager, .. } => manager.get().cloned().map(Conn::Manager),
            Link::Sentinel(s) => s.current().map(Conn::Primary),
            Link::Cluster { connection, .. } => connection.get().cloned().map(Conn::Cluster),
        }
    }

    /// The connection, made now if needed.
    pub async fn connect(&self) -> RedisResult<Conn> {
        match self {
            Link::Single {
                client,
                manager,
                timeout,
            } => {
                let manager = manager
                    .get_or_try_init(|| async {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(*timeout)
                            .set_response_timeout(*timeout)
                            .set_number_of_retries(1)
                            .set_max_delay(timeout.as_millis() as u64);
                        ConnectionManager::new_with_config(client.clone(), config).await
                    })
                    .await?;
                Ok(Conn::Manager(manager.clone()))
            }
            Link::Sentinel(s) => s.connect().await.map(Conn::Primary),
            Link::Cluster { client, connection } => {
                let connection = connection
                    .get_or_try_init(|| client.get_async_connection())
                    .await?;
                Ok(Conn::Cluster(connection.clone()))
            }
        }
    }

    /// Told that a call failed (`None`: it did not answer in time): a
    /// primary that may have failed over is asked for again next time.
    pub fn failed(&self, error: Option<&RedisError>) {
        if let Link::Sentinel(s) = self
            && error.is_none_or(primary_may_have_moved)
        {
            s.forget();
        }
    }
}

/// Errors after which the primary we hold may no longer be the primary.
fn primary_may_have_moved(e: &RedisError) -> bool {
    e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_io_error()
        || e.is_timeout()
        || matches!(
            e.kind(),
            redis::ErrorKind::ReadOnly | redis::ErrorKind::MasterDown
        )
}

impl SentinelLink {
    fn current(&self) -> Option<MultiplexedConnection> {
        self.primary
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn forget(&self) {
        *self
            .primary
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Asks the Sentinels for the primary (one caller at a time; the others
    /// then find the connection it made) and connects to it.
    async fn connect(&self) -> RedisResult<MultiplexedConnection> {
        let _asking = self.asking.lock().await;
        if let Some(primary) = self.current() {
            return Ok(primary);
        }
        let info = self.find_primary().await?;
        let addr = info.addr.to_string();
        let mut primary = redis::Client::open(info)?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        // A Sentinel may name the old primary for a moment after a failover.
        let role: Vec<Value> = redis::cmd("ROLE").query_async(&mut primary).await?;
        if !matches!(role.first(), Some(Value::BulkString(r)) if r == b"master") {
            return Err(RedisError::from((
                redis::ErrorKind::ReadOnly,
                "the server the Sentinels name is not a primary (yet)",
            )));
        }
        *self
            .primary
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(primary.clone());
        tracing::info!(service = %self.service, %addr, "Redis primary named by the Sentinels");
        Ok(primary)
    }

    /// The primary's address from the first Sentinel that answers in time.
    /// Each is asked with the store's timeouts: a Sentinel that is down,
    /// or silent behind a dead network, costs one timeout, not the discovery.
    async fn find_primary(&self) -> RedisResult<ConnectionInfo> {
        let mut last = None;
        for sentinel in &self.sentinels {
            let asked = tokio::time::timeout(self.timeout, self.ask(sentinel)).await;
            match asked {
                Ok(Ok(Some((host, port)))) => {
                    return Ok(ConnectionInfo {
                        addr: ConnectionAddr::Tcp(host, port),
                        redis: self.node.clone(),
                    });
                }
                Ok(Ok(None)) => {
                    last = Some(RedisError::from((
                        redis::ErrorKind::MasterDown,
                        "a Sentinel knows no primary of this name",
                    )));
                }
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(RedisError::from(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "a Sentinel did not answer in time",
                    )));
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            RedisError::from((redis::ErrorKind::InvalidClientConfig, "no Sentinel listed"))
        }))
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME` on one Sentinel.
    async fn ask(&self, sentinel: &ConnectionInfo) -> RedisResult<Option<(String, u16)>> {
        let mut c = redis::Client::open(sentinel.clone())?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(&self.service)
            .query_async(&mut c)
            .await
    }
}
