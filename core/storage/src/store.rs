//! The backend-neutral storage trait the server and its modules program against.

use crate::StoreError;

/// Persistent state of the server: accounts, offline messages, rosters and generic buckets.
///
/// All methods are synchronous and may block on disk I/O; async callers use a blocking thread.
/// Identifiers (`domain`, `user`, bare JIDs) are stored exactly as given: callers pass them
/// already prepared and normalised. A write that returns `Ok` is durable.
pub trait Store: Send + Sync + 'static {
    /// Returns the opaque secrets blob of `user@domain`, or `None` if there is no such account.
    fn account_get(&self, domain: &str, user: &str) -> Result<Option<String>, StoreError>;
    /// Creates `user@domain` with `secrets`; returns `false` (and changes nothing) if it exists.
    fn account_create(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError>;
    /// Replaces the secrets of `user@domain`; returns `false` if there is no such account.
    fn account_set(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError>;
    /// Deletes `user@domain` together with the roster and offline queue of that bare JID.
    /// Returns whether the account existed.
    fn account_delete(&self, domain: &str, user: &str) -> Result<bool, StoreError>;
    /// Lists the users of `domain`, sorted.
    fn account_list(&self, domain: &str) -> Result<Vec<String>, StoreError>;
    /// Counts accounts over all domains.
    fn account_count(&self) -> Result<u64, StoreError>;

    /// Appends a serialized stanza to the offline queue of `bare_jid`; returns its id.
    /// Ids only ever grow and are never reused.
    fn offline_push(&self, bare_jid: &str, stanza: &str) -> Result<u64, StoreError>;
    /// Returns up to `limit` queued `(id, stanza)` pairs of `bare_jid`, oldest first.
    fn offline_peek(&self, bare_jid: &str, limit: usize) -> Result<Vec<(u64, String)>, StoreError>;
    /// Deletes the queued messages of `bare_jid` whose id is `<= up_to_id` (after delivery).
    fn offline_delete(&self, bare_jid: &str, up_to_id: u64) -> Result<(), StoreError>;
    /// Counts the queued messages of `bare_jid`.
    fn offline_count(&self, bare_jid: &str) -> Result<u64, StoreError>;

    /// Returns the roster JSON document of `bare_jid` and its version string.
    fn roster_get(&self, bare_jid: &str) -> Result<Option<(String, String)>, StoreError>;
    /// Stores (creates or replaces) the roster JSON document of `bare_jid` and its version.
    fn roster_put(&self, bare_jid: &str, json: &str, version: &str) -> Result<(), StoreError>;
    /// Stores the roster of `bare_jid` only if its stored version is still `previous` (`""`
    /// for a roster never stored), atomically; `false` when another writer came first.
    fn roster_replace(
        &self,
        bare_jid: &str,
        json: &str,
        version: &str,
        previous: &str,
    ) -> Result<bool, StoreError>;

    /// Reads `key` in `bucket`.
    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes (creates or replaces) `key` in `bucket`.
    fn kv_put(&self, bucket: &str, key: &str, value: &str) -> Result<(), StoreError>;
    /// Deletes `key` from `bucket`; returns whether it existed.
    fn kv_delete(&self, bucket: &str, key: &str) -> Result<bool, StoreError>;
    /// Lists the keys of `bucket`, sorted.
    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, StoreError>;

    /// Runs one SQL statement that returns rows, `?` placeholders bound to `params` (the Lua
    /// `msys.db.query` API). Backends without SQL refuse it.
    fn sql_query(
        &self,
        _sql: &str,
        _params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        Err(StoreError::RawStatement(
            "this store does not run SQL".into(),
        ))
    }
    /// Runs one SQL statement that returns no rows; returns the number of rows changed (the Lua
    /// `msys.db.execute` API). Backends without SQL refuse it.
    fn sql_execute(&self, _sql: &str, _params: &[&str]) -> Result<usize, StoreError> {
        Err(StoreError::RawStatement(
            "this store does not run SQL".into(),
        ))
    }
}
