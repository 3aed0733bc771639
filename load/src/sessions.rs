//! The offices' live clients, least recently used first out.
//!
//! A live client (an office's [`HubClient`](renkei_simulator::client::HubClient): its TLS
//! set-up, its key, its connection pool and the connection in it) costs tens of kilobytes on
//! this side and a connection on the hub's; a national month touches hundreds of thousands
//! of offices. [`Lru`] keeps at most `capacity` of them: past it, the one used least
//! recently and not in use now is dropped (its connection closes). An entry in use (its
//! `Arc` held by a task) is never dropped, so the cache only grows past `capacity` while more
//! tasks than that hold one — which the run's in-flight bound prevents.
//!
//! What an office keeps across its client being dropped is its login token (a few dozen
//! bytes, held by the runner), so a client made again presents the same token and does not
//! log in again: as the hub sees it, the office reconnected.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A bounded map of office index → shared entry, least recently used dropped first.
pub(crate) struct Lru<S> {
    capacity: usize,
    /// The entry and the tick of its last use.
    map: HashMap<u32, (Arc<S>, u64)>,
    /// Last-use tick → office, oldest first.
    order: BTreeMap<u64, u32>,
    tick: u64,
    /// Entries dropped so far.
    pub(crate) evicted: u64,
}

impl<S> Lru<S> {
    /// An empty cache holding at most `capacity` entries not in use (at least 1).
    pub(crate) fn new(capacity: usize) -> Lru<S> {
        Lru {
            capacity: capacity.max(1),
            map: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            evicted: 0,
        }
    }

    /// Entries held now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn touch(&mut self, office: u32) -> Option<Arc<S>> {
        self.tick += 1;
        let tick = self.tick;
        let (s, last) = self.map.get_mut(&office)?;
        self.order.remove(last);
        *last = tick;
        self.order.insert(tick, office);
        Some(s.clone())
    }

    /// The office's entry, marked as just used.
    pub(crate) fn get(&mut self, office: u32) -> Option<Arc<S>> {
        self.touch(office)
    }

    /// Adds `s` for `office` (or returns the entry already there, marked used), then drops
    /// least recently used entries not in use until at most `capacity` are held.
    pub(crate) fn insert(&mut self, office: u32, s: Arc<S>) -> Arc<S> {
        if let Some(old) = self.touch(office) {
            return old;
        }
        self.tick += 1;
        self.map.insert(office, (s.clone(), self.tick));
        self.order.insert(self.tick, office);
        self.shrink();
        s
    }

    /// Drops unused entries, oldest first, while more than `capacity` are held.
    fn shrink(&mut self) {
        if self.map.len() <= self.capacity {
            return;
        }
        let mut drop: Vec<(u64, u32)> = Vec::new();
        let mut over = self.map.len() - self.capacity;
        for (&tick, &office) in &self.order {
            if over == 0 {
                break;
            }
            // Held by the map only: nobody is using it.
            if self
                .map
                .get(&office)
                .is_some_and(|(s, _)| Arc::strong_count(s) == 1)
            {
                drop.push((tick, office));
                over -= 1;
            }
        }
        for (tick, office) in drop {
            self.order.remove(&tick);
            self.map.remove(&office);
            self.evicted += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_not_in_use_goes_first() {
        let mut c: Lru<u32> = Lru::new(2);
        c.insert(1, Arc::new(1));
        c.insert(2, Arc::new(2));
        // 1 used again: 2 is now the oldest.
        assert_eq!(c.get(1).as_deref(), Some(&1));
        c.insert(3, Arc::new(3));
        assert_eq!(c.len(), 2);
        assert!(c.get(2).is_none());
        assert!(c.get(1).is_some() && c.get(3).is_some());
        assert_eq!(c.evicted, 1);
        // An entry already there is returned, not replaced.
        assert_eq!(*c.insert(3, Arc::new(30)), 3);
    }

    #[test]
    fn an_entry_in_use_is_kept_and_the_cache_shrinks_back_once_it_is_free() {
        let mut c: Lru<u32> = Lru::new(1);
        let held = c.insert(1, Arc::new(1));
        let held2 = c.insert(2, Arc::new(2));
        // Both in use: nothing can go.
        assert_eq!(c.len(), 2);
        drop(held);
        drop(held2);
        c.insert(3, Arc::new(3));
        assert_eq!(c.len(), 1);
        assert!(c.get(3).is_some());
        assert_eq!(c.evicted, 2);
    }
}
