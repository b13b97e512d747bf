//! The offline message queue (XEP-0160): serialized stanzas per bare JID, first in first out.

use rusqlite::Connection;

use super::{to_i64, to_u64};
use crate::StoreError;

pub(super) fn push(conn: &Connection, bare_jid: &str, stanza: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached("INSERT INTO offline (bare_jid, stanza) VALUES (?1, ?2)")?;
    stmt.execute((bare_jid, stanza))?;
    to_u64(conn.last_insert_rowid(), "offline id")
}

pub(super) fn peek(
    conn: &Connection,
    bare_jid: &str,
    limit: usize,
) -> Result<Vec<(u64, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, stanza FROM offline WHERE bare_jid = ?1 ORDER BY id LIMIT ?2",
    )?;
    let mut rows = stmt.query((bare_jid, to_i64(limit)))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((to_u64(row.get(0)?, "offline id")?, row.get(1)?));
    }
    Ok(out)
}

pub(super) fn delete_up_to(
    conn: &Connection,
    bare_jid: &str,
    up_to_id: u64,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("DELETE FROM offline WHERE bare_jid = ?1 AND id <= ?2")?;
    stmt.execute((bare_jid, to_i64(up_to_id)))?;
    Ok(())
}

pub(super) fn count(conn: &Connection, bare_jid: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT COUNT(*) FROM offline WHERE bare_jid = ?1")?;
    to_u64(
        stmt.query_row([bare_jid], |row| row.get(0))?,
        "offline count",
    )
}

#[cfg(test)]
mod tests {
    use crate::{SqliteStore, Store};

    const A: &str = "alice@example.org";
    const B: &str = "bob@example.org";

    #[test]
    fn fifo_per_jid() {
        let s = SqliteStore::in_memory().unwrap();
        let a1 = s.offline_push(A, "<message>1</message>").unwrap();
        let b1 = s.offline_push(B, "<message>b</message>").unwrap();
        let a2 = s.offline_push(A, "<message>2</message>").unwrap();
        assert!(a1 < b1 && b1 < a2, "ids grow across jids");
        let peeked = s.offline_peek(A, 10).unwrap();
        assert_eq!(
            peeked,
            [
                (a1, "<message>1</message>".to_owned()),
                (a2, "<message>2</message>".to_owned())
            ]
        );
        assert_eq!(
            s.offline_peek(A, 1).unwrap(),
            [(a1, "<message>1</message>".to_owned())]
        );
        assert!(s.offline_peek(A, 0).unwrap().is_empty());
        assert_eq!(s.offline_peek(B, usize::MAX).unwrap().len(), 1);
        assert_eq!(s.offline_count(A).unwrap(), 2);
        assert_eq!(s.offline_count("nobody@example.org").unwrap(), 0);
    }

    #[test]
    fn delete_up_to_keeps_later_and_other_jids() {
        let s = SqliteStore::in_memory().unwrap();
        let ids: Vec<u64> = (0..5)
            .map(|i| s.offline_push(A, &format!("<m{i}/>")).unwrap())
            .collect();
        let b = s.offline_push(B, "<b/>").unwrap();
        s.offline_delete(A, ids[2]).unwrap();
        let left: Vec<u64> = s
            .offline_peek(A, 10)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(left, &ids[3..]);
        // B's id is higher than all of A's, but it belongs to another JID.
        s.offline_delete(A, u64::MAX).unwrap();
        assert_eq!(s.offline_count(A).unwrap(), 0);
        assert_eq!(s.offline_peek(B, 10).unwrap(), [(b, "<b/>".to_owned())]);
    }

    #[test]
    fn ids_are_never_reused_after_delete() {
        let s = SqliteStore::in_memory().unwrap();
        let first = s.offline_push(A, "<x/>").unwrap();
        s.offline_delete(A, first).unwrap();
        let second = s.offline_push(A, "<y/>").unwrap();
        assert!(second > first);
    }
}
