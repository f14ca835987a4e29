//! Hot chapters and resources in memory, within a byte budget (least
//! recently used out first); the rest is read from the prepared files on disk.
//!
//! A hit takes a shared lock and stamps the entry with an atomic tick, so
//! concurrent readers do not queue behind each other. Inserting over budget
//! evicts the least recently stamped entries down to seven eighths of the
//! budget at once, so the sort this needs is paid once per many inserts.

use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::FastMap;

/// A byte-budgeted LRU cache of immutable bodies.
pub struct BodyCache<K> {
    budget: usize,
    tick: AtomicU64,
    // A std lock: each operation is a hash lookup (and rarely a sort), never an await.
    state: RwLock<State<K>>,
}

struct State<K> {
    entries: FastMap<K, Entry>,
    bytes: usize,
}

struct Entry {
    body: Bytes,
    used: AtomicU64,
}

impl<K: Clone + Eq + Hash> BodyCache<K> {
    /// A cache holding at most `budget` bytes of bodies.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            tick: AtomicU64::new(0),
            state: RwLock::new(State {
                entries: FastMap::default(),
                bytes: 0,
            }),
        }
    }

    fn next_tick(&self) -> u64 {
        self.tick.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The cached body, marked as recently used.
    pub fn get(&self, key: &K) -> Option<Bytes> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let entry = state.entries.get(key)?;
        entry.used.store(self.next_tick(), Ordering::Relaxed);
        Some(entry.body.clone())
    }

    /// Keeps a body, evicting the least recently used ones when over budget.
    /// Bodies larger than a quarter of the budget are not kept.
    pub fn insert(&self, key: K, body: Bytes) {
        if body.len() > self.budget / 4 {
            return;
        }
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        // Stamped under the lock: no hit can get a newer tick while it waits.
        let used = AtomicU64::new(self.next_tick());
        state.bytes += body.len();
        if let Some(old) = state.entries.insert(key, Entry { body, used }) {
            state.bytes -= old.body.len();
        }
        if state.bytes > self.budget {
            // Down to 7/8 of the budget, oldest first: find the newest tick
            // that must go, then keep only what is newer (no key copied).
            let target = self.budget - self.budget / 8;
            let mut by_age: Vec<(u64, usize)> = state
                .entries
                .values()
                .map(|e| (e.used.load(Ordering::Relaxed), e.body.len()))
                .collect();
            by_age.sort_unstable_by_key(|&(used, _)| used);
            let mut left = state.bytes;
            let mut cutoff = 0;
            for (used, len) in by_age {
                if left <= target {
                    break;
                }
                left -= len;
                cutoff = used;
            }
            state
                .entries
                .retain(|_, e| e.used.load(Ordering::Relaxed) > cutoff);
            state.bytes = left;
        }
    }

    /// Forgets every entry matching `pred` (e.g. a withdrawn or replaced title).
    pub fn remove_where(&self, pred: impl Fn(&K) -> bool) {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        let mut freed = 0;
        state.entries.retain(|k, e| {
            let keep = !pred(k);
            if !keep {
                freed += e.body.len();
            }
            keep
        });
        state.bytes -= freed;
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.state.read().unwrap_or_else(|e| e.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn least_recently_used_bodies_leave_first_within_the_budget() {
        let cache = BodyCache::new(400);
        cache.insert("a", body(100));
        cache.insert("b", body(100));
        cache.insert("c", body(100));
        assert!(cache.get(&"a").is_some()); // a is now the most recent
        cache.insert("d", body(100));
        cache.insert("e", body(100));
        assert!(cache.bytes() <= 400);
        assert!(cache.get(&"b").is_none(), "b was the least recently used");
        assert!(cache.get(&"a").is_some());
        assert!(cache.get(&"e").is_some());
    }

    #[test]
    fn eviction_goes_below_the_budget_and_spares_what_was_read() {
        let cache = BodyCache::new(800);
        for i in 0..8 {
            cache.insert(i, body(100));
        }
        assert_eq!(cache.bytes(), 800);
        assert!(cache.get(&0).is_some());
        assert!(cache.get(&1).is_some());
        cache.insert(8, body(100));
        // Down to 7/8 of the budget in one go: the two least recently used leave.
        assert_eq!(cache.bytes(), 700);
        for gone in [2, 3] {
            assert!(cache.get(&gone).is_none(), "{gone} was among the oldest");
        }
        for kept in [0, 1, 4, 5, 6, 7, 8] {
            assert!(
                cache.get(&kept).is_some(),
                "{kept} was read or inserted later"
            );
        }
    }

    #[test]
    fn a_tiny_budget_evicts_one_at_a_time_and_keeps_nothing_too_large() {
        let cache = BodyCache::new(4);
        for key in ["a", "b", "c", "d", "e"] {
            cache.insert(key, body(1));
        }
        assert_eq!(cache.bytes(), 4);
        assert!(cache.get(&"a").is_none(), "a was the oldest");
        assert!(cache.get(&"e").is_some());
        cache.insert("f", body(2));
        assert!(cache.get(&"f").is_none(), "over a quarter of the budget");
        assert_eq!(cache.bytes(), 4);
        let none = BodyCache::new(0);
        none.insert("a", body(1));
        assert_eq!(none.bytes(), 0);
    }

    #[test]
    fn replacing_and_removing_keep_the_byte_count_exact() {
        let cache = BodyCache::new(1000);
        cache.insert(("t1", 0), body(100));
        cache.insert(("t1", 0), body(50));
        cache.insert(("t2", 0), body(70));
        assert_eq!(cache.bytes(), 120);
        cache.remove_where(|k| k.0 == "t1");
        assert_eq!(cache.bytes(), 70);
        assert!(cache.get(&("t1", 0)).is_none());
        cache.insert(("big", 0), body(300));
        assert!(
            cache.get(&("big", 0)).is_none(),
            "over a quarter of the budget is not kept"
        );
    }
}
