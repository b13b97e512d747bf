//! A [`Store`] wrapper that records the latency of every call in
//! [`STORAGE_SECONDS`](super::STORAGE_SECONDS), labelled with the method name; the server
//! wraps its store in it, so every module's storage latency is measured in one place.

use std::sync::Arc;

use impetus_storage::{Store, StoreError};

use super::STORAGE_SECONDS;

/// Times every call to the wrapped store.
pub struct TimedStore {
    inner: Arc<dyn Store>,
}

impl TimedStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        TimedStore { inner }
    }
}

/// Forwards each listed method to the inner store inside `STORAGE_SECONDS.time`.
macro_rules! timed {
    ($( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        $(
            fn $name(&self $(, $arg: $ty)*) -> $ret {
                STORAGE_SECONDS.time(&[stringify!($name)], || self.inner.$name($($arg),*))
            }
        )*
    };
}

impl Store for TimedStore {
    timed! {
        fn account_get(&self, domain: &str, user: &str) -> Result<Option<String>, StoreError>;
        fn account_create(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError>;
        fn account_set(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError>;
        fn account_delete(&self, domain: &str, user: &str) -> Result<bool, StoreError>;
        fn account_list(&self, domain: &str) -> Result<Vec<String>, StoreError>;
        fn account_count(&self) -> Result<u64, StoreError>;
        fn offline_push(&self, bare_jid: &str, stanza: &str) -> Result<u64, StoreError>;
        fn offline_peek(&self, bare_jid: &str, limit: usize) -> Result<Vec<(u64, String)>, StoreError>;
        fn offline_delete(&self, bare_jid: &str, up_to_id: u64) -> Result<(), StoreError>;
        fn offline_count(&self, bare_jid: &str) -> Result<u64, StoreError>;
        fn roster_get(&self, bare_jid: &str) -> Result<Option<(String, String)>, StoreError>;
        fn roster_put(&self, bare_jid: &str, json: &str, version: &str) -> Result<(), StoreError>;
        fn roster_replace(&self, bare_jid: &str, json: &str, version: &str, previous: &str) -> Result<bool, StoreError>;
        fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<String>, StoreError>;
        fn kv_put(&self, bucket: &str, key: &str, value: &str) -> Result<(), StoreError>;
        fn kv_delete(&self, bucket: &str, key: &str) -> Result<bool, StoreError>;
        fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, StoreError>;
        fn sql_query(&self, sql: &str, params: &[&str]) -> Result<Vec<Vec<Option<String>>>, StoreError>;
        fn sql_execute(&self, sql: &str, params: &[&str]) -> Result<usize, StoreError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_storage::SqliteStore;

    #[test]
    fn calls_are_forwarded_and_timed_by_method() {
        let store = TimedStore::new(Arc::new(SqliteStore::in_memory().expect("store")));
        let before = STORAGE_SECONDS.totals().0;
        store.kv_put("b", "k", "v").expect("put");
        assert_eq!(store.kv_get("b", "k").expect("get"), Some("v".into()));
        assert!(STORAGE_SECONDS.totals().0 >= before + 2);
        let mut text = String::new();
        STORAGE_SECONDS.render(&mut text);
        assert!(
            text.contains("impetus_storage_seconds_count{op=\"kv_get\"}"),
            "{text}"
        );
    }
}
