//! Connection settings and the schema migration list of the SQLite store.
//!
//! The schema version lives in `PRAGMA user_version`; `MIGRATIONS[n]` moves a file from version
//! `n` to `n + 1`. Later releases append to the list and never edit a published entry.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// Schema migrations, oldest first. Entry `n` upgrades version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, offline queue, rosters, kv buckets.
    // AUTOINCREMENT keeps offline ids from ever being reused, so "delete up to id" after a
    // delivery can never remove a message that arrived later.
    "CREATE TABLE accounts (
        domain  TEXT NOT NULL,
        user    TEXT NOT NULL,
        secrets TEXT NOT NULL,
        PRIMARY KEY (domain, user)
    ) WITHOUT ROWID;
    CREATE TABLE offline (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        bare_jid TEXT NOT NULL,
        stanza   TEXT NOT NULL
    );
    CREATE INDEX offline_by_jid ON offline (bare_jid, id);
    CREATE TABLE rosters (
        bare_jid TEXT NOT NULL PRIMARY KEY,
        json     TEXT NOT NULL,
        version  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE kv (
        bucket TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID;",
];

/// How long a statement waits for another process holding the file lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (the store uses about twenty, plus raw queries).
const STATEMENT_CACHE: usize = 64;

/// Applies the durability settings: WAL journal (ignored by in-memory databases) and
/// `synchronous=FULL`, so a committed transaction survives a crash or power loss.
pub(super) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// The schema version this build writes.
fn supported_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the schema up to date in one transaction, so a crash mid-way leaves the old version.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    let done = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("negative schema version {found}")))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn fresh_database_reaches_latest_version_with_all_tables() {
        let mut conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), supported_version());
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            tables,
            ["accounts", "kv", "offline", "rosters", "sqlite_sequence"]
        );
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO kv VALUES ('b', 'k', 'v')", [])
            .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), supported_version());
        let kept: String = conn
            .query_row("SELECT value FROM kv", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, "v");
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 99, supported } if supported == supported_version())
        );
    }

    #[test]
    fn negative_schema_version_is_corrupt() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", -1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn synchronous_is_full() {
        let conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "2 means FULL");
    }
}
