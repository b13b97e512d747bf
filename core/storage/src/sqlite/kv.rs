//! Generic key/value buckets for scripts and modules (`msys.db`-like use, blocking lists...).

use rusqlite::{Connection, OptionalExtension};

use crate::StoreError;

pub(super) fn get(
    conn: &Connection,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT value FROM kv WHERE bucket = ?1 AND key = ?2")?;
    Ok(stmt.query_row((bucket, key), |row| row.get(0)).optional()?)
}

pub(super) fn put(
    conn: &Connection,
    bucket: &str,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
    )?;
    stmt.execute((bucket, key, value))?;
    Ok(())
}

pub(super) fn delete(conn: &Connection, bucket: &str, key: &str) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached("DELETE FROM kv WHERE bucket = ?1 AND key = ?2")?;
    Ok(stmt.execute((bucket, key))? == 1)
}

pub(super) fn keys(conn: &Connection, bucket: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT key FROM kv WHERE bucket = ?1 ORDER BY key")?;
    let keys = stmt
        .query_map([bucket], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use crate::{SqliteStore, Store};

    /// Reads are cached; writes through the store and raw SQL that changes rows are seen.
    #[test]
    fn cached_reads_follow_every_kind_of_write() {
        let s = SqliteStore::in_memory().unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap(), None);
        s.kv_put("b", "k", "one").unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap().as_deref(), Some("one"));
        s.sql_execute("UPDATE kv SET value = 'two' WHERE bucket = ?1", &["b"])
            .unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap().as_deref(), Some("two"));
        s.sql_query("DELETE FROM kv WHERE bucket = ?1 RETURNING key", &["b"])
            .unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap(), None);
        s.kv_put("b", "k", "three").unwrap();
        assert!(s.kv_delete("b", "k").unwrap());
        assert_eq!(s.kv_get("b", "k").unwrap(), None);
    }

    #[test]
    fn put_get_overwrite_delete() {
        let s = SqliteStore::in_memory().unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap(), None);
        s.kv_put("b", "k", "v1").unwrap();
        s.kv_put("b", "k", "v2").unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap().as_deref(), Some("v2"));
        assert!(s.kv_delete("b", "k").unwrap());
        assert!(!s.kv_delete("b", "k").unwrap());
        assert_eq!(s.kv_get("b", "k").unwrap(), None);
    }

    #[test]
    fn buckets_are_separate_and_keys_sorted() {
        let s = SqliteStore::in_memory().unwrap();
        for key in ["c", "a", "b"] {
            s.kv_put("one", key, key).unwrap();
        }
        s.kv_put("two", "a", "other").unwrap();
        s.kv_put("two", "", "empty key").unwrap();
        assert_eq!(s.kv_keys("one").unwrap(), ["a", "b", "c"]);
        assert_eq!(s.kv_keys("two").unwrap(), ["", "a"]);
        assert!(s.kv_keys("three").unwrap().is_empty());
        assert_eq!(s.kv_get("one", "a").unwrap().as_deref(), Some("a"));
        assert_eq!(s.kv_get("two", "a").unwrap().as_deref(), Some("other"));
        assert_eq!(s.kv_get("two", "").unwrap().as_deref(), Some("empty key"));
    }
}
