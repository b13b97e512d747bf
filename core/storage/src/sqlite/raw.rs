//! Raw SQL for the Lua `msys.db.query` / `msys.db.execute` API: one statement per call,
//! positional `?` parameters always bound, never formatted into the SQL text.

use rusqlite::types::ValueRef;
use rusqlite::{Transaction, params_from_iter};

use super::SqliteStore;
use crate::StoreError;

impl SqliteStore {
    /// Runs one statement that returns rows, binding `params` to its `?` placeholders in order.
    ///
    /// Each cell becomes `None` for NULL, decimal text for numbers, the text itself, or
    /// lowercase hex for a blob. Several statements in `sql`, or a parameter count that does not
    /// match, give [`StoreError::Sqlite`]. The statement runs in its own transaction.
    pub fn raw_query(
        &self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        self.raw(|tx| {
            let mut stmt = tx.prepare_cached(sql)?;
            let columns = stmt.column_count();
            let mut rows = stmt.query(params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let cells = (0..columns)
                    .map(|i| cell_text(row.get_ref(i)?))
                    .collect::<Result<_, _>>()?;
                out.push(cells);
            }
            Ok(out)
        })
    }

    /// Runs one statement that returns no rows (INSERT, UPDATE, DELETE, CREATE...) in its own
    /// transaction, binding `params` to its `?` placeholders; returns the number of rows changed.
    pub fn raw_execute(&self, sql: &str, params: &[&str]) -> Result<usize, StoreError> {
        self.raw(|tx| Ok(tx.prepare_cached(sql)?.execute(params_from_iter(params))?))
    }

    /// Runs a raw statement in a write transaction and refuses statements that ended it
    /// (BEGIN, COMMIT, ROLLBACK): the store owns transaction control.
    fn raw<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = self.write_then(
            |tx| {
                let before = tx.total_changes();
                let out = f(tx)?;
                if tx.is_autocommit() {
                    return Err(StoreError::RawStatement(
                        "transaction control is not allowed in raw statements".into(),
                    ));
                }
                Ok((out, tx.total_changes() != before))
            },
            // Raw SQL may have changed any table, the key/value one included.
            |&(_, changed)| {
                if changed {
                    self.kv_cache.clear();
                }
            },
        );
        result.map(|(out, _)| out)
    }
}

/// Renders one result cell as text.
fn cell_text(value: ValueRef<'_>) -> Result<Option<String>, StoreError> {
    Ok(match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(bytes) => Some(
            String::from_utf8(bytes.to_vec())
                .map_err(|_| StoreError::Corrupt("text value is not UTF-8".into()))?,
        ),
        ValueRef::Blob(bytes) => Some(hex::encode(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn store_with_table() -> SqliteStore {
        let s = SqliteStore::in_memory().unwrap();
        s.raw_execute("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d BLOB)", &[])
            .unwrap();
        s
    }

    #[test]
    fn execute_and_query_with_bound_params() {
        let s = store_with_table();
        let n = s
            .raw_execute(
                "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)",
                &["x", "1", "y", "2"],
            )
            .unwrap();
        assert_eq!(n, 2);
        let rows = s
            .raw_query("SELECT a, b FROM t WHERE b >= ? ORDER BY b", &["1"])
            .unwrap();
        assert_eq!(
            rows,
            [
                vec![Some("x".into()), Some("1".into())],
                vec![Some("y".into()), Some("2".into())]
            ]
        );
        assert_eq!(
            s.raw_execute("DELETE FROM t WHERE a = ?", &["x"]).unwrap(),
            1
        );
    }

    #[test]
    fn cell_types_render_as_text() {
        let s = store_with_table();
        s.raw_execute("INSERT INTO t VALUES (NULL, 42, 1.5, x'00ff')", &[])
            .unwrap();
        let rows = s.raw_query("SELECT * FROM t", &[]).unwrap();
        assert_eq!(
            rows,
            [vec![
                None,
                Some("42".into()),
                Some("1.5".into()),
                Some("00ff".into())
            ]]
        );
    }

    #[test]
    fn params_are_values_not_sql() {
        let s = store_with_table();
        let evil = "'); DROP TABLE t; --";
        s.raw_execute("INSERT INTO t (a) VALUES (?)", &[evil])
            .unwrap();
        let rows = s.raw_query("SELECT a FROM t WHERE a = ?", &[evil]).unwrap();
        assert_eq!(rows, [vec![Some(evil.to_owned())]]);
    }

    #[test]
    fn multiple_statements_and_wrong_param_counts_are_refused() {
        let s = store_with_table();
        let err = s
            .raw_execute("INSERT INTO t (a) VALUES ('1'); DROP TABLE t", &[])
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::Sqlite(rusqlite::Error::MultipleStatement)
        ));
        assert!(matches!(
            s.raw_execute("INSERT INTO t (a) VALUES (?)", &[]),
            Err(StoreError::Sqlite(_))
        ));
        assert!(matches!(
            s.raw_query("SELECT ?", &["a", "b"]),
            Err(StoreError::Sqlite(_))
        ));
        assert!(
            s.raw_query("SELECT a FROM t", &[]).unwrap().is_empty(),
            "table survived, no row"
        );
    }

    #[test]
    fn transaction_control_is_refused_and_store_stays_usable() {
        let s = SqliteStore::in_memory().unwrap();
        assert!(matches!(
            s.raw_execute("BEGIN", &[]),
            Err(StoreError::Sqlite(_))
        ));
        assert!(matches!(
            s.raw_execute("COMMIT", &[]),
            Err(StoreError::RawStatement(_))
        ));
        assert!(matches!(
            s.raw_execute("ROLLBACK", &[]),
            Err(StoreError::RawStatement(_))
        ));
        s.kv_put("b", "k", "v").unwrap();
        assert_eq!(s.kv_get("b", "k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn raw_sees_store_tables() {
        let s = SqliteStore::in_memory().unwrap();
        s.kv_put("bucket", "key", "value").unwrap();
        let rows = s
            .raw_query(
                "SELECT value FROM kv WHERE bucket = ? AND key = ?",
                &["bucket", "key"],
            )
            .unwrap();
        assert_eq!(rows, [vec![Some("value".to_owned())]]);
    }

    #[test]
    fn the_store_trait_runs_sql_through_dyn() {
        let s: Box<dyn Store> = Box::new(SqliteStore::in_memory().unwrap());
        assert_eq!(s.sql_execute("CREATE TABLE x (a TEXT)", &[]).unwrap(), 0);
        assert_eq!(
            s.sql_execute("INSERT INTO x VALUES (?)", &["v"]).unwrap(),
            1
        );
        assert_eq!(
            s.sql_query("SELECT a FROM x", &[]).unwrap(),
            [vec![Some("v".to_owned())]]
        );
    }
}
