//! The table of open connections, for the console's `show inbound`: every accepted connection
//! holds a guard that removes its row when the session ends. Never scanned on a hot path.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

/// One open connection.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// Sequence number.
    pub id: u64,
    /// Listener kind (`xmpp_listener`, `control_listener`).
    pub listener: String,
    /// The Listen address.
    pub local: String,
    /// The remote address (`unix` for Unix-domain sockets).
    pub peer: String,
    /// When it was accepted.
    pub since: Instant,
}

/// Open connections by id.
#[derive(Debug, Default)]
pub struct ConnectionTable {
    next: AtomicU64,
    rows: Mutex<HashMap<u64, ConnectionInfo>>,
}

/// Removes its row from the table when dropped.
#[derive(Debug)]
pub struct ConnectionGuard {
    id: u64,
    table: Arc<ConnectionTable>,
}

impl ConnectionTable {
    /// Adds a row; the guard removes it.
    pub fn open(self: &Arc<Self>, listener: &str, local: &str, peer: &str) -> ConnectionGuard {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let info = ConnectionInfo {
            id,
            listener: listener.to_owned(),
            local: local.to_owned(),
            peer: peer.to_owned(),
            since: Instant::now(),
        };
        self.rows.lock().insert(id, info);
        ConnectionGuard {
            id,
            table: self.clone(),
        }
    }

    /// A snapshot, oldest first.
    pub fn snapshot(&self) -> Vec<ConnectionInfo> {
        let mut rows: Vec<_> = self.rows.lock().values().cloned().collect();
        rows.sort_by_key(|r| r.id);
        rows
    }

    /// Number of open connections.
    pub fn len(&self) -> usize {
        self.rows.lock().len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.table.rows.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_remove_their_rows() {
        let table = Arc::new(ConnectionTable::default());
        let first = table.open("xmpp_listener", "127.0.0.1:5222", "127.0.0.1:40000");
        let second = table.open("xmpp_listener", "127.0.0.1:5222", "127.0.0.1:40001");
        assert_eq!(
            table
                .snapshot()
                .iter()
                .map(|r| r.peer.as_str())
                .collect::<Vec<_>>(),
            ["127.0.0.1:40000", "127.0.0.1:40001"]
        );
        drop(first);
        assert_eq!(table.len(), 1);
        drop(second);
        assert!(table.is_empty());
    }
}
