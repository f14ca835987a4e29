//! The in-memory session store, the embedded default.
//!
//! Modelled on mini-redis: one std `Mutex` around the state (critical
//! sections are a few map operations and never await, so a std mutex is
//! cheaper than tokio's), a `BTreeSet` of (deadline, key) and one purge task
//! that sleeps until the next deadline. Reads also check deadlines, so a
//! session is gone at its expiry even if the purge task runs late. Deadlines
//! use tokio's clock so tests can pause and advance time.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{LiveSession, Opened, Saved, Session, SessionId, StoreError};

/// In-process session store.
#[derive(Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    purge: Arc<Notify>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Session(SessionId),
    SeatCode(u32, String),
}

#[derive(Default)]
struct State {
    sessions: HashMap<SessionId, Entry>,
    seat_codes: HashMap<(u32, String), (u32, Instant)>,
    trips: HashMap<u32, HashSet<SessionId>>,
    expiries: BTreeSet<(Instant, Key)>,
}

struct Entry {
    session: Session,
    deadline: Instant,
    progress: HashMap<String, (i64, String)>,
    counters: HashMap<String, i64>,
}

/// Converts an absolute Unix time to a deadline on tokio's clock.
fn deadline(unix_seconds: i64) -> Instant {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let ahead = (unix_seconds as f64 - now).max(0.0);
    Instant::now() + Duration::from_secs_f64(ahead)
}

impl MemoryStore {
    /// A new empty store with its purge task (needs a tokio runtime).
    pub fn new() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            purge: Arc::new(Notify::new()),
        });
        tokio::spawn(purge_task(Arc::downgrade(&shared)));
        Self { shared }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps inconsistent
        // in a way that matters more than losing sessions, so keep serving.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn open(
        &self,
        id: SessionId,
        session: &Session,
        cap: u32,
        resume: Option<SessionId>,
    ) -> Result<Opened, StoreError> {
        let now = Instant::now();
        let until = deadline(session.expires_at);
        let mut state = self.state();
        if let Some(existing) = resume
            && Self::live(&mut state, existing)
                .is_some_and(|e| e.session.trip_id == session.trip_id)
        {
            return Ok(Opened::Resumed(existing));
        }
        let seat_key = (session.trip_id, session.seat_code.clone());
        let (count, seat_deadline) = match state.seat_codes.get(&seat_key) {
            Some(&(count, d)) if d > now => (count, d.max(until)),
            _ => (0, until),
        };
        if count >= cap {
            return Ok(Opened::SeatCodeExhausted);
        }
        state
            .seat_codes
            .insert(seat_key.clone(), (count + 1, seat_deadline));
        state
            .expiries
            .insert((seat_deadline, Key::SeatCode(seat_key.0, seat_key.1)));
        let mut stored = session.clone();
        stored.id = Some(id);
        state.sessions.insert(
            id,
            Entry {
                session: stored,
                deadline: until,
                progress: HashMap::new(),
                counters: HashMap::new(),
            },
        );
        state.trips.entry(session.trip_id).or_default().insert(id);
        state.expiries.insert((until, Key::Session(id)));
        drop(state);
        self.shared.purge.notify_one();
        Ok(Opened::Opened)
    }

    fn live(state: &mut State, id: SessionId) -> Option<&mut Entry> {
        state
            .sessions
            .get_mut(&id)
            .filter(|e| e.deadline > Instant::now())
    }

    pub(super) fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(Self::live(&mut self.state(), id).map(|e| e.session.clone()))
    }

    pub(super) fn lookup_live(&self, id: SessionId) -> Result<Option<LiveSession>, StoreError> {
        Ok(Self::live(&mut self.state(), id).map(|e| LiveSession::from(&e.session)))
    }

    pub(super) fn extend_trip(&self, trip_id: u32, expires_at: i64) -> Result<u64, StoreError> {
        let until = deadline(expires_at);
        let now = Instant::now();
        let mut state = self.state();
        let ids: Vec<SessionId> = state
            .trips
            .get(&trip_id)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let mut live = 0;
        for id in ids {
            let Some(entry) = state.sessions.get_mut(&id).filter(|e| e.deadline > now) else {
                continue;
            };
            live += 1;
            if until > entry.deadline {
                entry.deadline = until;
                entry.session.expires_at = expires_at;
                state.expiries.insert((until, Key::Session(id)));
            }
        }
        let seats: Vec<_> = state
            .seat_codes
            .iter()
            .filter(|((t, _), (_, d))| *t == trip_id && *d > now && until > *d)
            .map(|(k, _)| k.clone())
            .collect();
        for key in seats {
            if let Some(v) = state.seat_codes.get_mut(&key) {
                v.1 = until;
            }
            state.expiries.insert((until, Key::SeatCode(key.0, key.1)));
        }
        Ok(live)
    }

    pub(super) fn end_trip(&self, trip_id: u32) -> Result<u64, StoreError> {
        let now = Instant::now();
        let mut state = self.state();
        let ids = state.trips.remove(&trip_id).unwrap_or_default();
        let mut live = 0;
        for id in ids {
            if let Some(entry) = state.sessions.remove(&id) {
                live += u64::from(entry.deadline > now);
            }
        }
        state.seat_codes.retain(|(t, _), _| *t != trip_id);
        // Stale expiry entries are skipped by the purge task.
        Ok(live)
    }

    pub(super) fn live_sessions(&self, trip_id: u32) -> Result<u64, StoreError> {
        let now = Instant::now();
        let state = self.state();
        let Some(ids) = state.trips.get(&trip_id) else {
            return Ok(0);
        };
        Ok(ids
            .iter()
            .filter(|id| state.sessions.get(id).is_some_and(|e| e.deadline > now))
            .count() as u64)
    }

    pub(super) fn progress(
        &self,
        id: SessionId,
        title: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(Self::live(&mut self.state(), id)
            .and_then(|e| e.progress.get(title).map(|(_, doc)| doc.clone())))
    }

    pub(super) fn save_progress(
        &self,
        id: SessionId,
        title: &str,
        modified: i64,
        document: &str,
    ) -> Result<Saved, StoreError> {
        let mut state = self.state();
        let Some(entry) = Self::live(&mut state, id) else {
            return Ok(Saved::NoSession);
        };
        match entry.progress.get(title) {
            Some((stored, _)) if *stored > modified => Ok(Saved::Stale),
            _ => {
                entry
                    .progress
                    .insert(title.to_owned(), (modified, document.to_owned()));
                Ok(Saved::Saved)
            }
        }
    }

    pub(super) fn incr_counter(
        &self,
        id: SessionId,
        name: &str,
        by: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut state = self.state();
        let Some(entry) = Self::live(&mut state, id) else {
            return Ok(None);
        };
        let value = entry.counters.entry(name.to_owned()).or_insert(0);
        *value += by;
        Ok(Some(*value))
    }

    pub(super) fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Removes what has expired; returns the next deadline, if any.
    fn purge_expired(shared: &Shared) -> Option<Instant> {
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while let Some((when, key)) = state.expiries.first().cloned() {
            if when > now {
                return Some(when);
            }
            state.expiries.pop_first();
            match key {
                Key::Session(id) => {
                    // Only if this entry is the session's current deadline (it may have been extended).
                    if state.sessions.get(&id).is_some_and(|e| e.deadline <= now) {
                        let entry = state.sessions.remove(&id).expect("checked above");
                        if let Some(set) = state.trips.get_mut(&entry.session.trip_id) {
                            set.remove(&id);
                            if set.is_empty() {
                                state.trips.remove(&entry.session.trip_id);
                            }
                        }
                    }
                }
                Key::SeatCode(trip, code) => {
                    let k = (trip, code);
                    if state.seat_codes.get(&k).is_some_and(|(_, d)| *d <= now) {
                        state.seat_codes.remove(&k);
                    }
                }
            }
        }
        None
    }

    #[cfg(test)]
    fn keys(&self) -> usize {
        let s = self.state();
        s.sessions.len() + s.seat_codes.len()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

async fn purge_task(shared: Weak<Shared>) {
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let wake = strong.purge.clone();
        let next = MemoryStore::purge_expired(&strong);
        // Hold only a weak reference while sleeping so the store can be dropped.
        drop(strong);
        let notified = wake.notified();
        tokio::pin!(notified);
        let sleep_until = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep_until(sleep_until) => {}
            _ = &mut notified => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix_now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    #[tokio::test(start_paused = true)]
    async fn purge_task_frees_expired_sessions_and_seat_counters() {
        let store = MemoryStore::new();
        let s = Session {
            id: None,
            trip_id: 1,
            seat_code: "1/0/1".into(),
            opened_at: unix_now(),
            expires_at: unix_now() + 60,
        };
        store.open(SessionId::random(1), &s, 3, None).unwrap();
        assert_eq!(store.keys(), 2);
        tokio::time::sleep(Duration::from_secs(62)).await;
        tokio::task::yield_now().await;
        assert_eq!(store.keys(), 0);
    }
}
