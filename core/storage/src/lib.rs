//! Impetus embedded storage: the [`Store`] trait and its SQLite backend.
//!
//! Accounts, offline messages (XEP-0160), rosters and generic key/value buckets live behind
//! [`Store`], so another backend (PostgreSQL for scale-out) can be added later. The API is
//! synchronous: async callers run it on a blocking thread (`spawn_blocking`).
//!
//! [`SqliteStore`] is built for crash safety: WAL journal, `synchronous=FULL`, every write in its
//! own transaction and values always bound as parameters, never formatted into SQL. When a write
//! method returns `Ok`, the change survives a crash or kill of the process.

mod error;
mod sqlite;
mod store;

pub use error::StoreError;
pub use sqlite::SqliteStore;
pub use store::Store;
