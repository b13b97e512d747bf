//! Rosters: one JSON document plus a version string per bare JID.

use rusqlite::{Connection, OptionalExtension};

use crate::StoreError;

pub(super) fn get(
    conn: &Connection,
    bare_jid: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT json, version FROM rosters WHERE bare_jid = ?1")?;
    Ok(stmt
        .query_row([bare_jid], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The stored version of `bare_jid`'s roster, without reading the document.
pub(super) fn version(conn: &Connection, bare_jid: &str) -> Result<Option<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT version FROM rosters WHERE bare_jid = ?1")?;
    Ok(stmt.query_row([bare_jid], |row| row.get(0)).optional()?)
}

pub(super) fn put(
    conn: &Connection,
    bare_jid: &str,
    json: &str,
    version: &str,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO rosters (bare_jid, json, version) VALUES (?1, ?2, ?3)
         ON CONFLICT (bare_jid) DO UPDATE SET json = excluded.json, version = excluded.version",
    )?;
    stmt.execute((bare_jid, json, version))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{SqliteStore, Store};

    #[test]
    fn replace_only_from_the_version_read() {
        let s = SqliteStore::in_memory().unwrap();
        let jid = "alice@example.org";
        assert!(!s.roster_replace(jid, "{}", "1", "7").unwrap());
        assert!(s.roster_replace(jid, "{\"a\":{}}", "1", "").unwrap());
        // A second writer that read the same (absent) roster loses.
        assert!(!s.roster_replace(jid, "{\"b\":{}}", "1", "").unwrap());
        assert!(s.roster_replace(jid, "{\"c\":{}}", "2", "1").unwrap());
        assert_eq!(
            s.roster_get(jid).unwrap(),
            Some(("{\"c\":{}}".to_owned(), "2".to_owned()))
        );
    }

    #[test]
    fn put_get_replace() {
        let s = SqliteStore::in_memory().unwrap();
        let jid = "alice@example.org";
        assert_eq!(s.roster_get(jid).unwrap(), None);
        let doc = r#"{"bob@example.org":{"subscription":"both","groups":["Friends"]}}"#;
        s.roster_put(jid, doc, "1").unwrap();
        assert_eq!(
            s.roster_get(jid).unwrap(),
            Some((doc.to_owned(), "1".to_owned()))
        );
        s.roster_put(jid, "{}", "2").unwrap();
        assert_eq!(
            s.roster_get(jid).unwrap(),
            Some(("{}".to_owned(), "2".to_owned()))
        );
        assert_eq!(s.roster_get("bob@example.org").unwrap(), None);
    }

    #[test]
    fn empty_version_and_unicode_round_trip() {
        let s = SqliteStore::in_memory().unwrap();
        let doc = r#"{"名前@例え.jp":{"name":"Ünïcödé 🎉"}}"#;
        s.roster_put("ü@example.org", doc, "").unwrap();
        assert_eq!(
            s.roster_get("ü@example.org").unwrap(),
            Some((doc.to_owned(), String::new()))
        );
    }
}
