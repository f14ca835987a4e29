//! The Redis session store, on one server, behind Sentinels or on a Cluster
//! (`REDIS_URL`'s three shapes: [`url`]).
//!
//! Keys (under a configurable prefix, `trajet:` in production), all of one
//! trip in one hash slot: the trip id in braces is the hash tag.
//! - `{trip}:s:{id}`: the session hash; `…:p`: progress by title; `…:c`: counters
//! - `{trip}:sessions`: ids of the trip's sessions; `{trip}:seats`: its seat-code counters
//! - `{trip}:k:{seat code}`: activations of a seat code
//!
//! A session id carries its trip ([`SessionId::trip`]), so a request's
//! cookie names the slot of its keys without a lookup.
//!
//! Every write runs in a Lua script that sets an absolute expiry in the same
//! atomic step (`EXPIREAT`, with `GT` on keys that already expire), so no key
//! is ever left without one and no expiry moves backward. Each operation is
//! one round trip (one `EVALSHA` or one read) through one shared multiplexed
//! connection, bounded by the configured timeout: a down or hung Redis, or a
//! failover in progress, is an error (answered `503`), never a hang.
//! A call that timed out is not withdrawn: a stalled Redis runs it when it
//! resumes, in order with the later calls on the same connection (the scan
//! relies on this to make a retried open resume the session it created).

mod link;
mod scripts;
pub mod url;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::{Script, Value};

use super::{LiveSession, Opened, Saved, Session, SessionId, StoreError};
use link::{Conn, Link};
use scripts::*;

/// How to reach Redis.
#[derive(Clone, Debug)]
pub struct RedisStoreConfig {
    /// `REDIS_URL` in one of its shapes (may hold a password; never logged).
    pub url: crate::config::Secret<String>,
    /// Prefix of every key, e.g. `trajet:` (no braces: they would make the hash tag).
    pub prefix: String,
    /// Connect and response timeout of each call.
    pub timeout: Duration,
}

/// Session store on Redis, shared by every trajet instance.
#[derive(Clone)]
pub struct RedisStore {
    link: Arc<Link>,
    shape: &'static str,
    prefix: String,
    timeout: Duration,
    scripts: Arc<Scripts>,
}

struct Scripts {
    open: Script,
    extend: Script,
    end: Script,
    live: Script,
    save_progress: Script,
    incr: Script,
}

impl RedisStore {
    /// Prepares the store; the connection is made on first use (so trajet
    /// starts, and answers 503, while Redis is still down).
    pub fn new(config: RedisStoreConfig) -> anyhow::Result<Self> {
        if config.prefix.contains(['{', '}']) {
            anyhow::bail!("the Redis key prefix must not hold braces (they make hash tags)");
        }
        let target = url::parse(config.url.expose())?;
        let shape = target.shape();
        let script = |body: &str| Script::new(&format!("{EXPIRE_FN}\n{body}"));
        Ok(Self {
            link: Arc::new(Link::new(target, config.timeout)?),
            shape,
            prefix: config.prefix,
            timeout: config.timeout,
            scripts: Arc::new(Scripts {
                open: script(OPEN),
                extend: script(EXTEND),
                end: script(END),
                live: script(LIVE),
                save_progress: script(SAVE_PROGRESS),
                incr: script(INCR),
            }),
        })
    }

    /// Which shape of `REDIS_URL` this store uses: `redis`, `redis-sentinel` or `redis-cluster`.
    pub fn shape(&self) -> &'static str {
        self.shape
    }

    /// Runs one Redis call, bounded in time.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        // Connected (every request after the first): the future holds no
        // connect future, so it stays small. The outer timeout stays too: while
        // a connection is remade, a call waits for it, which the response
        // timeout does not bound.
        match self.link.ready() {
            Some(conn) => self.bounded(f(conn)).await,
            None => Box::pin(self.call_connecting(f)).await,
        }
    }

    /// The first call (or one after a Sentinel failover): connects, then
    /// calls; the whole of it bounded.
    async fn call_connecting<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.bounded(async {
            let conn = self.link.connect().await?;
            f(conn).await
        })
        .await
    }

    /// Bounds a call by twice the timeout, and tells the link how it failed.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout * 2, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.link.failed(Some(&e));
                Err(StoreError(format!("Redis: {}", redis_kind(&e))))
            }
            Err(_) => {
                self.link.failed(None);
                Err(StoreError("Redis did not answer in time".into()))
            }
        }
    }

    /// `{prefix}{trip}:`: the start of every key of a trip (the braces make
    /// the trip id the hash tag: one slot for all of them).
    fn trip_base(&self, trip: u32) -> String {
        let mut key = String::with_capacity(self.prefix.len() + 14);
        key.push_str(&self.prefix);
        key.push('{');
        // Writing a number to a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut key, format_args!("{trip}}}:"));
        key
    }

    /// `{prefix}{trip}:s:{random part of the id}`.
    fn session_key(&self, id: SessionId) -> String {
        let mut key = self.trip_base(id.trip());
        key.push_str("s:");
        key.push_str(std::str::from_utf8(&id.random_hex()).unwrap_or_default());
        key
    }

    pub(super) async fn open(
        &self,
        id: SessionId,
        session: &Session,
        cap: u32,
        resume: Option<SessionId>,
    ) -> Result<Opened, StoreError> {
        let t = session.trip_id;
        let base = self.trip_base(t);
        debug_assert_eq!(id.trip(), t, "a session id names its trip");
        let mut inv = self.scripts.open.prepare_invoke();
        inv.key(format!("{base}k:{}", session.seat_code))
            .key(self.session_key(id))
            .key(format!("{base}sessions"))
            .key(format!("{base}seats"))
            // A session of another trip is never resumed: its key (in another
            // slot) is not even asked for.
            .key(match resume {
                Some(existing) if existing.trip() == t => self.session_key(existing),
                _ => format!("{base}s:none"),
            })
            .arg(cap)
            .arg(session.expires_at)
            .arg(std::str::from_utf8(&id.random_hex()).unwrap_or_default())
            .arg(t)
            .arg(&session.seat_code)
            .arg(session.opened_at);
        let opened: i64 = self
            .call(|mut c| async move { inv.invoke_async(&mut c).await })
            .await?;
        Ok(match (opened, resume) {
            (2, Some(existing)) => Opened::Resumed(existing),
            (1, _) => Opened::Opened,
            _ => Opened::SeatCodeExhausted,
        })
    }

    pub(super) async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        let key = self.session_key(id);
        // Named fields only: a reply of four values parses in half the time of
        // HGETALL's eight, and this runs on every passenger request.
        type Fields = (Option<u32>, Option<String>, Option<i64>, Option<i64>);
        let fields: Fields = self
            .call(|mut c| async move {
                // Sized for the command at once (no buffer growth per argument).
                let mut cmd = redis::Cmd::with_capacity(6, 64 + key.len());
                cmd.arg("HMGET")
                    .arg(key)
                    .arg(&["trip", "seat", "opened", "expires"]);
                cmd.query_async(&mut c).await
            })
            .await?;
        match fields {
            (None, None, None, None) => Ok(None),
            (Some(trip_id), Some(seat_code), Some(opened_at), Some(expires_at)) => {
                Ok(Some(Session {
                    id: Some(id),
                    trip_id,
                    seat_code,
                    opened_at,
                    expires_at,
                }))
            }
            _ => Err(StoreError("a session record in Redis is malformed".into())),
        }
    }

    pub(super) async fn lookup_live(
        &self,
        id: SessionId,
    ) -> Result<Option<LiveSession>, StoreError> {
        // Every passenger request reads this: one field holding the three
        // numbers ("trip opened expires", kept by the open and extend
        // scripts), one reply value to parse instead of three (the redis
        // crate's reply parser costs ~0.5k instructions per value).
        let key = self.session_key(id);
        let live: Option<Vec<u8>> = self
            .call(|mut c| async move {
                let mut cmd = redis::Cmd::with_capacity(3, 32 + key.len());
                cmd.arg("HGET").arg(key).arg("live");
                cmd.query_async(&mut c).await
            })
            .await?;
        match live {
            Some(packed) => {
                let live = parse_live(&packed)
                    .ok_or_else(|| StoreError("a session record in Redis is malformed".into()))?;
                if live.expires_at <= chrono::Utc::now().timestamp() {
                    // The key is there but the packed time says ended: an
                    // older trajet (during a rolling upgrade) may have
                    // extended the trip, moving `expires` only. That field decides.
                    return self.lookup_live_fields(id).await;
                }
                Ok(Some(live))
            }
            // No session, or one opened by a trajet before the packed field.
            None => self.lookup_live_fields(id).await,
        }
    }

    /// The live session from its separate fields.
    async fn lookup_live_fields(&self, id: SessionId) -> Result<Option<LiveSession>, StoreError> {
        let key = self.session_key(id);
        type Fields = (Option<u32>, Option<i64>, Option<i64>);
        let fields: Fields = self
            .call(|mut c| async move {
                redis::cmd("HMGET")
                    .arg(key)
                    .arg(&["trip", "opened", "expires"])
                    .query_async(&mut c)
                    .await
            })
            .await?;
        match fields {
            (None, None, None) => Ok(None),
            (Some(trip_id), Some(opened_at), Some(expires_at)) => Ok(Some(LiveSession {
                trip_id,
                opened_at,
                expires_at,
            })),
            _ => Err(StoreError("a session record in Redis is malformed".into())),
        }
    }

    async fn trip_script(
        &self,
        script: &Script,
        trip_id: u32,
        extra: Option<i64>,
    ) -> Result<u64, StoreError> {
        let base = self.trip_base(trip_id);
        let mut inv = script.prepare_invoke();
        inv.key(format!("{base}sessions"))
            .key(format!("{base}seats"))
            .arg(&base);
        if let Some(v) = extra {
            inv.arg(v);
        }
        self.call(|mut c| async move { inv.invoke_async(&mut c).await })
            .await
    }

    pub(super) async fn extend_trip(
        &self,
        trip_id: u32,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.trip_script(&self.scripts.extend, trip_id, Some(expires_at))
            .await
    }

    pub(super) async fn end_trip(&self, trip_id: u32) -> Result<u64, StoreError> {
        self.trip_script(&self.scripts.end, trip_id, None).await
    }

    pub(super) async fn live_sessions(&self, trip_id: u32) -> Result<u64, StoreError> {
        self.trip_script(&self.scripts.live, trip_id, None).await
    }

    pub(super) async fn progress(
        &self,
        id: SessionId,
        title: &str,
    ) -> Result<Option<String>, StoreError> {
        let key = format!("{}:p", self.session_key(id));
        let title = title.to_owned();
        self.call(|mut c| async move {
            redis::cmd("HGET")
                .arg(key)
                .arg(title)
                .query_async(&mut c)
                .await
        })
        .await
    }

    pub(super) async fn save_progress(
        &self,
        id: SessionId,
        title: &str,
        modified: i64,
        document: &str,
    ) -> Result<Saved, StoreError> {
        let s = self.session_key(id);
        let mut inv = self.scripts.save_progress.prepare_invoke();
        inv.key(&s)
            .key(format!("{s}:p"))
            .arg(title)
            .arg(modified)
            .arg(document);
        let outcome: i64 = self
            .call(|mut c| async move { inv.invoke_async(&mut c).await })
            .await?;
        Ok(match outcome {
            1 => Saved::Saved,
            0 => Saved::Stale,
            _ => Saved::NoSession,
        })
    }

    pub(super) async fn incr_counter(
        &self,
        id: SessionId,
        name: &str,
        by: i64,
    ) -> Result<Option<i64>, StoreError> {
        let s = self.session_key(id);
        let mut inv = self.scripts.incr.prepare_invoke();
        inv.key(&s).key(format!("{s}:c")).arg(name).arg(by);
        self.call(|mut c| async move { inv.invoke_async(&mut c).await })
            .await
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        let pong: Value = self
            .call(|mut c| async move { redis::cmd("PING").query_async(&mut c).await })
            .await?;
        match pong {
            Value::SimpleString(_) | Value::BulkString(_) | Value::Okay => Ok(()),
            _ => Err(StoreError("Redis answered PING strangely".into())),
        }
    }
}

/// Reads the packed `live` field: "{trip} {opened} {expires}", decimal.
fn parse_live(packed: &[u8]) -> Option<LiveSession> {
    let mut numbers = packed.split(|&b| b == b' ');
    let session = LiveSession {
        trip_id: u32::try_from(decimal(numbers.next()?)?).ok()?,
        opened_at: decimal(numbers.next()?)?,
        expires_at: decimal(numbers.next()?)?,
    };
    numbers.next().is_none().then_some(session)
}

/// A non-negative decimal number of at most 18 digits (no overflow possible).
fn decimal(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.iter().try_fold(0i64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

/// The category of a Redis error, without its text (which may echo a URL).
fn redis_kind(e: &redis::RedisError) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connection_refusal() {
        "connection refused".into()
    } else if e.is_connection_dropped() || e.is_io_error() {
        "connection lost".into()
    } else {
        format!("{:?}", e.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_live_field_reads_three_numbers_or_nothing() {
        let live = parse_live(b"7 1795000000 1795003600").unwrap();
        assert_eq!(
            (live.trip_id, live.opened_at, live.expires_at),
            (7, 1_795_000_000, 1_795_003_600)
        );
        for bad in [
            &b""[..],
            b"7",
            b"7 1 ",
            b"7  1 2",
            b"7 1 2 3",
            b"-7 1 2",
            b"7 1 2x",
            b"4294967296 1 2",
            b"7 1 9999999999999999999",
        ] {
            assert!(
                parse_live(bad).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
