//! Passenger sessions: one store with two real backends.
//!
//! In memory by default (no configuration), Redis when `REDIS_URL` is set
//! (one server, Sentinel or Cluster: [`redis_url`]).
//! Every key a session owns expires at the same absolute instant, the end of
//! the trip's window; extending a trip moves it forward, never backward.
//! With Redis the store fails closed: an unreachable Redis is an error
//! (answered `503`), never a silent fallback to memory.

mod memory;
mod redis;
pub mod scan;

use std::fmt;

use rand::TryRngCore;
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;
pub use redis::url as redis_url;
pub use redis::{RedisStore, RedisStoreConfig};

/// A session id: 128 random bits from the OS CSPRNG, and the id of the
/// session's trip, which names where the session's keys live (their Redis
/// hash slot) so that a request finds them in one call. The trip grants
/// nothing: the random part is the credential. Shown as 40 hex digits, the
/// trip's 8 then the random 32.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId {
    trip: u32,
    random: [u8; 16],
}

impl SessionId {
    /// A fresh unpredictable id for a session of `trip`.
    pub fn random(trip: u32) -> Self {
        let mut random = [0u8; 16];
        rand::rngs::OsRng
            .try_fill_bytes(&mut random)
            .expect("the OS random source is available");
        Self { trip, random }
    }

    /// The trip the session was opened on.
    pub fn trip(&self) -> u32 {
        self.trip
    }

    /// Parses the 40-hex-digit form; anything else is not a session id.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.as_bytes();
        if text.len() != 40 {
            return None;
        }
        let mut trip = [0u8; 4];
        let mut random = [0u8; 16];
        let (trip_digits, random_digits) = text.split_at(8);
        for (bytes, digits) in [
            (&mut trip[..], trip_digits),
            (&mut random[..], random_digits),
        ] {
            for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
                *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
            }
        }
        Some(Self {
            trip: u32::from_be_bytes(trip),
            random,
        })
    }

    /// The 40 lowercase hex digits, without allocating (every request builds a key from it).
    pub fn hex(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        write_hex(&mut out[..8], &self.trip.to_be_bytes());
        write_hex(&mut out[8..], &self.random);
        out
    }

    /// The 32 hex digits of the random part alone (the key inside the trip's slot).
    pub fn random_hex(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        write_hex(&mut out, &self.random);
        out
    }
}

/// Writes `bytes` as lowercase hex digits into `out` (twice as long).
fn write_hex(out: &mut [u8], bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

/// The value of one hex digit (either case, as `u8::from_str_radix` accepts).
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        // Only ASCII hex digits were written.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SessionId {
    // A session id is a bearer credential: logs get a prefix only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SessionId(trip {}, {:02x}{:02x}…)",
            self.trip, self.random[0], self.random[1]
        )
    }
}

/// A passenger's reading session for one trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The session id (the cookie value).
    #[serde(skip)]
    pub id: Option<SessionId>,
    /// The trip this session reads on.
    pub trip_id: u32,
    /// The seat code that opened it (an opaque key: trip, car, seat).
    pub seat_code: String,
    /// When it was opened, Unix seconds.
    pub opened_at: i64,
    /// When it ends, Unix seconds (end of the trip's window).
    pub expires_at: i64,
}

/// What the reading routes need of a live session on every request: its
/// trip and its times (not the seat code), so the lookup reads three fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSession {
    /// The trip this session reads on.
    pub trip_id: u32,
    /// When it was opened, Unix seconds.
    pub opened_at: i64,
    /// When it ends, Unix seconds (end of the trip's window).
    pub expires_at: i64,
}

impl From<&Session> for LiveSession {
    fn from(s: &Session) -> LiveSession {
        LiveSession {
            trip_id: s.trip_id,
            opened_at: s.opened_at,
            expires_at: s.expires_at,
        }
    }
}

/// Result of trying to open a session with a seat code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The session exists now.
    Opened,
    /// The browser already holds a live session of this trip: it is kept, no new activation.
    Resumed(SessionId),
    /// The seat code has already opened its allowed number of sessions.
    SeatCodeExhausted,
}

/// Result of saving reading progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The document is stored.
    Saved,
    /// A newer document is stored already; this one was dropped.
    Stale,
    /// The session no longer exists.
    NoSession,
}

/// The session store could not answer in time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// The session store, chosen by configuration.
#[derive(Clone)]
pub enum SessionStore {
    /// In-process store, the embedded default.
    Memory(MemoryStore),
    /// Redis, shared by every instance.
    Redis(RedisStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            SessionStore::Memory($store) => $call,
            SessionStore::Redis($store) => $call.await,
        }
    };
}

impl SessionStore {
    /// A short name of the backend, for logs and `check-config`.
    pub fn backend(&self) -> &'static str {
        match self {
            SessionStore::Memory(_) => "memory",
            SessionStore::Redis(s) => s.shape(),
        }
    }

    /// A scan: keeps `resume` if it is a live session of the same trip,
    /// else opens `session` under id `id` if its seat code has opened fewer
    /// than `cap` sessions so far. One atomic step, one round trip.
    pub async fn open(
        &self,
        id: SessionId,
        session: &Session,
        cap: u32,
        resume: Option<SessionId>,
    ) -> Result<Opened, StoreError> {
        dispatch!(self, s => s.open(id, session, cap, resume))
    }

    /// The live session with this id, if any.
    pub async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        dispatch!(self, s => s.get(id))
    }

    /// The trip and times of the live session with this id, if any (the
    /// passenger routes' lookup: fewer fields than `get`).
    pub async fn live(&self, id: SessionId) -> Result<Option<LiveSession>, StoreError> {
        dispatch!(self, s => s.lookup_live(id))
    }

    /// Moves the expiry of every session of a trip (and their data) to
    /// `expires_at` if that is later; returns how many sessions are live.
    pub async fn extend_trip(&self, trip_id: u32, expires_at: i64) -> Result<u64, StoreError> {
        dispatch!(self, s => s.extend_trip(trip_id, expires_at))
    }

    /// Ends every session of a trip at once; returns how many were live.
    pub async fn end_trip(&self, trip_id: u32) -> Result<u64, StoreError> {
        dispatch!(self, s => s.end_trip(trip_id))
    }

    /// How many sessions of a trip are live.
    pub async fn live_sessions(&self, trip_id: u32) -> Result<u64, StoreError> {
        dispatch!(self, s => s.live_sessions(trip_id))
    }

    /// The progress document saved for a title in a session.
    pub async fn progress(&self, id: SessionId, title: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.progress(id, title))
    }

    /// Saves a progress document stamped `modified` (ms); an older stamp than
    /// the stored one is refused so queued saves can be replayed in any order.
    pub async fn save_progress(
        &self,
        id: SessionId,
        title: &str,
        modified: i64,
        document: &str,
    ) -> Result<Saved, StoreError> {
        dispatch!(self, s => s.save_progress(id, title, modified, document))
    }

    /// Adds `by` to a per-session counter (expires with the session); returns
    /// the new value, or `None` when the session no longer exists.
    pub async fn incr_counter(
        &self,
        id: SessionId,
        name: &str,
        by: i64,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.incr_counter(id, name, by))
    }

    /// Checks the store answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_round_trip_and_reject_other_text() {
        let id = SessionId::random(17);
        assert_eq!(SessionId::parse(&id.to_string()), Some(id));
        assert_eq!(id.trip(), 17);
        assert_eq!(SessionId::parse("zz"), None);
        assert_eq!(SessionId::parse(&"g".repeat(40)), None);
        assert_eq!(SessionId::parse(&"+1".repeat(20)), None);
        assert_eq!(
            SessionId::parse(&"0".repeat(32)),
            None,
            "an id without its trip"
        );
        let upper = id.to_string().to_ascii_uppercase();
        assert_eq!(SessionId::parse(&upper), Some(id));
        let known = SessionId::parse("0000431f00ff10a9b8c7d6e5f4031221304f5e6d").unwrap();
        assert_eq!(
            known.to_string(),
            "0000431f00ff10a9b8c7d6e5f4031221304f5e6d"
        );
        assert_eq!(known.trip(), 17183);
        assert_eq!(known.random[1], 0xff);
        assert_eq!(&known.random_hex(), b"00ff10a9b8c7d6e5f4031221304f5e6d");
        assert_ne!(SessionId::random(1), SessionId::random(1));
        assert!(!format!("{id:?}").contains(&id.to_string()));
    }
}
