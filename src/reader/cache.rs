//! Hot chapters and resources in memory, within a byte budget (least
//! recently used out first); the rest is read from the prepared files on disk.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Mutex;

use bytes::Bytes;

/// A byte-budgeted LRU cache of immutable bodies.
pub struct BodyCache<K> {
    budget: usize,
    // A std mutex: each operation is a hash lookup and a tree update, never an await.
    state: Mutex<State<K>>,
}

struct State<K> {
    entries: HashMap<K, (Bytes, u64)>,
    order: BTreeMap<u64, K>,
    tick: u64,
    bytes: usize,
}

impl<K: Clone + Eq + Hash> BodyCache<K> {
    /// A cache holding at most `budget` bytes of bodies.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            state: Mutex::new(State {
                entries: HashMap::new(),
                order: BTreeMap::new(),
                tick: 0,
                bytes: 0,
            }),
        }
    }

    /// The cached body, marked as recently used.
    pub fn get(&self, key: &K) -> Option<Bytes> {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        state.tick += 1;
        let tick = state.tick;
        let (body, used) = state.entries.get_mut(key)?;
        let previous = std::mem::replace(used, tick);
        let body = body.clone();
        if let Some(k) = state.order.remove(&previous) {
            state.order.insert(tick, k);
        }
        Some(body)
    }

    /// Keeps a body, evicting the least recently used ones over budget.
    /// Bodies larger than a quarter of the budget are not kept.
    pub fn insert(&self, key: K, body: Bytes) {
        if body.len() > self.budget / 4 {
            return;
        }
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        state.tick += 1;
        let tick = state.tick;
        state.bytes += body.len();
        if let Some((old, used)) = state.entries.insert(key.clone(), (body, tick)) {
            state.bytes -= old.len();
            state.order.remove(&used);
        }
        state.order.insert(tick, key);
        while state.bytes > self.budget {
            let Some((_, oldest)) = state.order.pop_first() else {
                break;
            };
            if let Some((old, _)) = state.entries.remove(&oldest) {
                state.bytes -= old.len();
            }
        }
    }

    /// Forgets every entry matching `pred` (e.g. a withdrawn or replaced title).
    pub fn remove_where(&self, pred: impl Fn(&K) -> bool) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        let doomed: Vec<(K, u64, usize)> = state
            .entries
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(k, (b, used))| (k.clone(), *used, b.len()))
            .collect();
        for (k, used, len) in doomed {
            state.entries.remove(&k);
            state.order.remove(&used);
            state.bytes -= len;
        }
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).bytes
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
