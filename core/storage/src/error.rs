//! The one error type returned by every storage operation.

use rusqlite::ErrorCode;

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error (constraint, I/O inside SQLite, busy, bad SQL in a raw query...).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file-system problem outside SQLite, such as a missing parent directory.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The database file is damaged, not a database, or holds a value that breaks an invariant.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A raw statement was refused, e.g. one that tried to control the store's transaction.
    #[error("raw statement refused: {0}")]
    RawStatement(String),
    /// The file was written by a newer Impetus whose schema this build does not know.
    #[error("store schema version {found} is newer than the supported {supported}")]
    SchemaTooNew {
        /// The version recorded in the file.
        found: i64,
        /// The newest version this build can migrate to.
        supported: i64,
    },
}

impl StoreError {
    /// Classifies an error met while opening: SQLite's "not a database" and "corrupt" codes
    /// become [`StoreError::Corrupt`], everything else stays as it is.
    pub(crate) fn on_open(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Self::Corrupt(err.to_string())
            }
            _ => Self::Sqlite(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("boom".into()))
    }

    #[test]
    fn not_a_database_is_corrupt() {
        let err = StoreError::on_open(sqlite_failure(rusqlite::ffi::SQLITE_NOTADB));
        assert!(matches!(err, StoreError::Corrupt(ref m) if m.contains("boom")));
        let err = StoreError::on_open(sqlite_failure(rusqlite::ffi::SQLITE_CORRUPT));
        assert!(matches!(err, StoreError::Corrupt(_)));
    }

    #[test]
    fn other_errors_stay_sqlite() {
        let err = StoreError::on_open(sqlite_failure(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(err, StoreError::Sqlite(_)));
        assert!(err.to_string().starts_with("sqlite: "));
    }

    #[test]
    fn schema_too_new_message_names_both_versions() {
        let err = StoreError::SchemaTooNew {
            found: 9,
            supported: 1,
        };
        assert_eq!(
            err.to_string(),
            "store schema version 9 is newer than the supported 1"
        );
    }
}
