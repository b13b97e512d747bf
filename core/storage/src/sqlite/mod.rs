//! [`SqliteStore`]: the embedded SQLite backend of [`Store`].
//!
//! One connection behind a mutex serves reads and writes; every write runs in an immediate
//! transaction that is committed (and, with `synchronous=FULL`, synced) before the call returns.

mod accounts;
mod kv;
mod kv_cache;
mod offline;
mod raw;
mod roster;
mod schema;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{Store, StoreError};

/// The SQLite store: a single database file (or an in-memory database for tests).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    kv_cache: kv_cache::KvCache,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it if missing, and migrates its schema.
    ///
    /// The parent directory must exist ([`StoreError::Io`] otherwise). A file that is not a
    /// SQLite database gives [`StoreError::Corrupt`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(dir) = parent.filter(|dir| !dir.is_dir()) {
            return Err(StoreError::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("store directory {} does not exist", dir.display()),
            )));
        }
        // No SQLITE_OPEN_URI: the path is always a plain file name.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(StoreError::on_open)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Opens a fresh private in-memory database (nothing is persisted).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        let setup = schema::configure(&conn).and_then(|()| schema::migrate(&mut conn));
        setup.map_err(|err| match err {
            StoreError::Sqlite(e) => StoreError::on_open(e),
            other => other,
        })?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            kv_cache: Default::default(),
        })
    }

    /// Runs a read on the shared connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&self.conn.lock())
    }

    /// Runs `f` in an immediate transaction and commits it; any error (or panic) rolls back.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_then(f, |_| {})
    }

    /// [`SqliteStore::write`], then `committed` with the result while the connection is
    /// still held (so caches change in the same order as the database).
    fn write_then<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
        committed: impl FnOnce(&T),
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        committed(&out);
        Ok(out)
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self
            .path
            .as_deref()
            .map_or_else(|| ":memory:".into(), |p| p.display().to_string());
        f.debug_struct("SqliteStore").field("path", &path).finish()
    }
}

/// Converts a count or id read from SQLite; a negative one means the file was tampered with.
fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}: {value}")))
}

/// Converts an id or limit from the API to SQLite's integer, saturating at `i64::MAX`.
fn to_i64<T: TryInto<i64>>(value: T) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn account_get(&self, domain: &str, user: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| accounts::get(c, domain, user))
    }
    fn account_create(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError> {
        self.write(|tx| accounts::create(tx, domain, user, secrets))
    }
    fn account_set(&self, domain: &str, user: &str, secrets: &str) -> Result<bool, StoreError> {
        self.write(|tx| accounts::set(tx, domain, user, secrets))
    }
    fn account_delete(&self, domain: &str, user: &str) -> Result<bool, StoreError> {
        self.write(|tx| accounts::delete(tx, domain, user))
    }
    fn account_list(&self, domain: &str) -> Result<Vec<String>, StoreError> {
        self.read(|c| accounts::list(c, domain))
    }
    fn account_count(&self) -> Result<u64, StoreError> {
        self.read(accounts::count)
    }

    fn offline_push(&self, bare_jid: &str, stanza: &str) -> Result<u64, StoreError> {
        self.write(|tx| offline::push(tx, bare_jid, stanza))
    }
    fn offline_peek(&self, bare_jid: &str, limit: usize) -> Result<Vec<(u64, String)>, StoreError> {
        self.read(|c| offline::peek(c, bare_jid, limit))
    }
    fn offline_delete(&self, bare_jid: &str, up_to_id: u64) -> Result<(), StoreError> {
        self.write(|tx| offline::delete_up_to(tx, bare_jid, up_to_id))
    }
    fn offline_count(&self, bare_jid: &str) -> Result<u64, StoreError> {
        self.read(|c| offline::count(c, bare_jid))
    }

    fn roster_get(&self, bare_jid: &str) -> Result<Option<(String, String)>, StoreError> {
        self.read(|c| roster::get(c, bare_jid))
    }
    fn roster_put(&self, bare_jid: &str, json: &str, version: &str) -> Result<(), StoreError> {
        self.write(|tx| roster::put(tx, bare_jid, json, version))
    }
    fn roster_replace(
        &self,
        bare_jid: &str,
        json: &str,
        version: &str,
        previous: &str,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            if roster::version(tx, bare_jid)?.as_deref().unwrap_or("") != previous {
                return Ok(false);
            }
            roster::put(tx, bare_jid, json, version)?;
            Ok(true)
        })
    }

    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<String>, StoreError> {
        if let Some(cached) = self.kv_cache.get(bucket, key) {
            return Ok(cached);
        }
        self.read(|c| {
            let value = kv::get(c, bucket, key)?;
            self.kv_cache.set(bucket, key, value.as_deref());
            Ok(value)
        })
    }
    fn kv_put(&self, bucket: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.write_then(
            |tx| kv::put(tx, bucket, key, value),
            |_| self.kv_cache.set(bucket, key, Some(value)),
        )
    }
    fn kv_delete(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        self.write_then(
            |tx| kv::delete(tx, bucket, key),
            |_| self.kv_cache.set(bucket, key, None),
        )
    }
    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, StoreError> {
        self.read(|c| kv::keys(c, bucket))
    }
    fn sql_query(
        &self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        self.raw_query(sql, params)
    }
    fn sql_execute(&self, sql: &str, params: &[&str]) -> Result<usize, StoreError> {
        self.raw_execute(sql, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parent_directory_is_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = SqliteStore::open(&dir.path().join("nope/store.db")).unwrap_err();
        assert!(matches!(err, StoreError::Io(ref e) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn open_creates_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path).unwrap();
        assert!(path.is_file());
        assert!(format!("{store:?}").contains("store.db"));
    }

    #[test]
    fn garbage_file_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn failed_write_rolls_back_everything() {
        let store = SqliteStore::in_memory().unwrap();
        let res: Result<(), StoreError> = store.write(|tx| {
            kv::put(tx, "b", "k", "v")?;
            Err(StoreError::Corrupt("abort".into()))
        });
        assert!(res.is_err());
        assert_eq!(store.kv_get("b", "k").unwrap(), None);
        assert!(format!("{store:?}").contains(":memory:"));
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(to_u64(7, "id").unwrap(), 7);
        assert!(matches!(to_u64(-1, "id"), Err(StoreError::Corrupt(m)) if m == "negative id: -1"));
        assert_eq!(to_i64(u64::MAX), i64::MAX);
        assert_eq!(to_i64(usize::MAX), i64::MAX);
        assert_eq!(to_i64(5_u64), 5);
    }
}
