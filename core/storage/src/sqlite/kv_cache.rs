//! An in-memory copy of the key/value buckets' recent reads (scripts read them on every
//! stanza, for instance a user's block list), so a read that hits costs a hash lookup instead
//! of a SQLite transaction. Absent keys are remembered too. The store fills and updates it
//! while holding its connection, so the cache never keeps a value older than the database.

use std::collections::HashMap;

use parking_lot::Mutex;

/// Entries kept before the cache starts over (it is a read accelerator, not a store).
const CAPACITY: usize = 100_000;

/// Cached values by bucket, then key; `None` records a key known to be absent.
#[derive(Default)]
pub(super) struct KvCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    buckets: HashMap<String, HashMap<String, Option<String>>>,
    len: usize,
}

impl KvCache {
    /// The cached value: `Some(None)` for a key known to be absent, `None` when unknown.
    pub(super) fn get(&self, bucket: &str, key: &str) -> Option<Option<String>> {
        let entries = self.entries.lock();
        entries.buckets.get(bucket)?.get(key).cloned()
    }

    /// Records the value of `key` as the database holds it now.
    pub(super) fn set(&self, bucket: &str, key: &str, value: Option<&str>) {
        let mut entries = self.entries.lock();
        if entries.len >= CAPACITY {
            *entries = Entries::default();
        }
        let slot = entries
            .buckets
            .entry(bucket.to_owned())
            .or_default()
            .insert(key.to_owned(), value.map(str::to_owned));
        if slot.is_none() {
            entries.len += 1;
        }
    }

    /// Forgets everything (after SQL that may have changed any bucket).
    pub(super) fn clear(&self) {
        *self.entries.lock() = Entries::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_values_and_absence_and_starts_over_when_full() {
        let cache = KvCache::default();
        assert_eq!(cache.get("b", "k"), None);
        cache.set("b", "k", Some("v"));
        cache.set("b", "gone", None);
        assert_eq!(cache.get("b", "k"), Some(Some("v".into())));
        assert_eq!(cache.get("b", "gone"), Some(None));
        assert_eq!(cache.get("other", "k"), None);
        for i in 0..CAPACITY {
            cache.set("fill", &i.to_string(), None);
        }
        assert_eq!(cache.get("b", "k"), None, "a full cache starts over");
        cache.clear();
        assert_eq!(cache.get("fill", "1"), None);
    }
}
