//! The Redis session store.
//!
//! Keys (under a configurable prefix):
//! - `s:{id}`: the session hash; `s:{id}:p`: progress by title; `s:{id}:c`: counters
//! - `t:{trip}:s`: ids of the trip's sessions; `t:{trip}:k`: its seat-code counters
//! - `k:{trip}:{seat code}`: activations of a seat code
//!
//! Every write runs in a Lua script that sets an absolute expiry in the same
//! atomic step (`EXPIREAT`, with `GT` on keys that already expire), so no key
//! is ever left without one and no expiry moves backward. Each operation is
//! one round trip through one shared multiplexed connection, bounded by the
//! configured timeout: a down or hung Redis is an error, never a hang.
//! A call that timed out is not withdrawn: a stalled Redis runs it when it
//! resumes, in order with the later calls on the same connection (the scan
//! relies on this to make a retried open resume the session it created).

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, Value};
use tokio::sync::OnceCell;

use super::{LiveSession, Opened, Saved, Session, SessionId, StoreError};

/// How to reach Redis.
#[derive(Clone, Debug)]
pub struct RedisStoreConfig {
    /// `redis://…` URL (may hold a password; never logged).
    pub url: crate::config::Secret<String>,
    /// Prefix of every key, e.g. `trajet:`.
    pub prefix: String,
    /// Connect and response timeout of each call.
    pub timeout: Duration,
}

/// Session store on Redis, shared by every trajet instance.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    manager: std::sync::Arc<OnceCell<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    open: Script,
    extend: Script,
    end: Script,
    live: Script,
    save_progress: Script,
    incr: Script,
}

/// Sets `k` to expire at `t`, never earlier than it already does.
const EXPIRE_FN: &str = r#"
local function expire_at(k, t)
  if redis.call('EXPIRETIME', k) == -1 then redis.call('EXPIREAT', k, t)
  else redis.call('EXPIREAT', k, t, 'GT') end
end
"#;

const OPEN: &str = r#"
-- KEYS: seat counter, session, trip sessions, trip seat counters, session to resume
-- ARGV: cap, expires_at, id, trip, seat_code, opened_at
if redis.call('HGET', KEYS[5], 'trip') == ARGV[4] then return 2 end
local n = redis.call('INCR', KEYS[1])
expire_at(KEYS[1], ARGV[2])
redis.call('SADD', KEYS[4], KEYS[1])
expire_at(KEYS[4], ARGV[2])
if n > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], 'trip', ARGV[4], 'seat', ARGV[5], 'opened', ARGV[6], 'expires', ARGV[2],
  'live', ARGV[4] .. ' ' .. ARGV[6] .. ' ' .. ARGV[2])
redis.call('EXPIREAT', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
expire_at(KEYS[3], ARGV[2])
return 1
"#;

const EXTEND: &str = r#"
-- KEYS: trip sessions, trip seat counters; ARGV: prefix, expires_at
local t = tonumber(ARGV[2])
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local s = ARGV[1] .. 's:' .. id
  if redis.call('EXISTS', s) == 1 then
    live = live + 1
    -- Never earlier; the packed field is rewritten whenever it differs (a
    -- record of an older trajet, or one that an older trajet extended).
    local f = redis.call('HMGET', s, 'trip', 'opened', 'expires', 'live')
    if f[1] and f[2] and f[3] then
      local e = math.max(tonumber(f[3]), t)
      local packed = f[1] .. ' ' .. f[2] .. ' ' .. string.format('%d', e)
      if tonumber(f[3]) < t or f[4] ~= packed then
        redis.call('HSET', s, 'expires', string.format('%d', e), 'live', packed)
      end
    end
    redis.call('EXPIREAT', s, t, 'GT')
    redis.call('EXPIREAT', s .. ':p', t, 'GT')
    redis.call('EXPIREAT', s .. ':c', t, 'GT')
  end
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('EXPIREAT', k, t, 'GT') end
redis.call('EXPIREAT', KEYS[1], t, 'GT')
redis.call('EXPIREAT', KEYS[2], t, 'GT')
return live
"#;

const END: &str = r#"
-- KEYS: trip sessions, trip seat counters; ARGV: prefix
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local s = ARGV[1] .. 's:' .. id
  live = live + redis.call('DEL', s)
  redis.call('DEL', s .. ':p', s .. ':c')
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1], KEYS[2])
return live
"#;

const LIVE: &str = r#"
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  live = live + redis.call('EXISTS', ARGV[1] .. 's:' .. id)
end
return live
"#;

const SAVE_PROGRESS: &str = r#"
-- KEYS: session, progress; ARGV: title, modified, document
local exp = redis.call('EXPIRETIME', KEYS[1])
if exp < 0 then return -1 end
local stored = redis.call('HGET', KEYS[2], ARGV[1] .. '\0m')
if stored and tonumber(stored) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1] .. '\0m', ARGV[2], ARGV[1], ARGV[3])
expire_at(KEYS[2], exp)
return 1
"#;

const INCR: &str = r#"
-- KEYS: session, counters; ARGV: name, by
local exp = redis.call('EXPIRETIME', KEYS[1])
if exp < 0 then return false end
local v = redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2])
expire_at(KEYS[2], exp)
return v
"#;

impl RedisStore {
    /// Prepares the store; the connection is made on first use (so trajet
    /// starts, and answers 503, while Redis is still down).
    pub fn new(config: RedisStoreConfig) -> anyhow::Result<Self> {
        let client = redis::Client::open(config.url.expose().as_str()).map_err(|e| {
            anyhow::anyhow!("REDIS_URL is not a valid Redis URL: {}", redis_kind(&e))
        })?;
        let script = |body: &str| Script::new(&format!("{EXPIRE_FN}\n{body}"));
        Ok(Self {
            client,
            manager: Default::default(),
            prefix: config.prefix,
            timeout: config.timeout,
            scripts: std::sync::Arc::new(Scripts {
                open: script(OPEN),
                extend: script(EXTEND),
                end: script(END),
                live: script(LIVE),
                save_progress: script(SAVE_PROGRESS),
                incr: script(INCR),
            }),
        })
    }

    /// Runs one Redis call through the shared connection, bounded in time.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        // Connected (every request after the first): the future holds no
        // connect future, so it stays small. The outer timeout stays too: while
        // the manager reconnects, a call waits for the reconnection, which the
        // response timeout does not bound.
        if let Some(manager) = self.manager.get() {
            let call = f(manager.clone());
            return match tokio::time::timeout(self.timeout * 2, call).await {
                Ok(result) => result.map_err(|e| StoreError(format!("Redis: {}", redis_kind(&e)))),
                Err(_) => Err(StoreError("Redis did not answer in time".into())),
            };
        }
        Box::pin(self.call_connecting(f)).await
    }

    /// The first call (or one racing it): connects, then calls; the whole of
    /// it bounded by an outer timeout whatever happens.
    async fn call_connecting<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let work = async {
            let manager = self
                .manager
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(self.timeout)
                        .set_response_timeout(self.timeout)
                        .set_number_of_retries(1)
                        .set_max_delay(self.timeout.as_millis() as u64);
                    ConnectionManager::new_with_config(self.client.clone(), config).await
                })
                .await
                .map_err(|e| StoreError(format!("connecting to Redis: {}", redis_kind(&e))))?
                .clone();
            f(manager)
                .await
                .map_err(|e| StoreError(format!("Redis: {}", redis_kind(&e))))
        };
        match tokio::time::timeout(self.timeout * 2, work).await {
            Ok(result) => result,
            Err(_) => Err(StoreError("Redis did not answer in time".into())),
        }
    }

    fn session_key(&self, id: SessionId) -> String {
        let mut key = String::with_capacity(self.prefix.len() + 34);
        key.push_str(&self.prefix);
        key.push_str("s:");
        key.push_str(std::str::from_utf8(&id.hex()).unwrap_or_default());
        key
    }

    pub(super) async fn open(
        &self,
        id: SessionId,
        session: &Session,
        cap: u32,
        resume: Option<SessionId>,
    ) -> Result<Opened, StoreError> {
        let p = &self.prefix;
        let t = session.trip_id;
        let mut inv = self.scripts.open.prepare_invoke();
        inv.key(format!("{p}k:{t}:{}", session.seat_code))
            .key(self.session_key(id))
            .key(format!("{p}t:{t}:s"))
            .key(format!("{p}t:{t}:k"))
            .key(match resume {
                Some(existing) => self.session_key(existing),
                None => format!("{p}s:none"),
            })
            .arg(cap)
            .arg(session.expires_at)
            .arg(id.to_string())
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
        let p = &self.prefix;
        let mut inv = script.prepare_invoke();
        inv.key(format!("{p}t:{trip_id}:s"))
            .key(format!("{p}t:{trip_id}:k"))
            .arg(p);
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
