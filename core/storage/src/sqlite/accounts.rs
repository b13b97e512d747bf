//! Account rows: `(domain, user) -> secrets`, and the cascade on account deletion.

use rusqlite::{Connection, OptionalExtension};

use super::to_u64;
use crate::StoreError;

pub(super) fn get(
    conn: &Connection,
    domain: &str,
    user: &str,
) -> Result<Option<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT secrets FROM accounts WHERE domain = ?1 AND user = ?2")?;
    Ok(stmt
        .query_row((domain, user), |row| row.get(0))
        .optional()?)
}

pub(super) fn create(
    conn: &Connection,
    domain: &str,
    user: &str,
    secrets: &str,
) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO accounts (domain, user, secrets) VALUES (?1, ?2, ?3)
         ON CONFLICT (domain, user) DO NOTHING",
    )?;
    Ok(stmt.execute((domain, user, secrets))? == 1)
}

pub(super) fn set(
    conn: &Connection,
    domain: &str,
    user: &str,
    secrets: &str,
) -> Result<bool, StoreError> {
    let mut stmt =
        conn.prepare_cached("UPDATE accounts SET secrets = ?3 WHERE domain = ?1 AND user = ?2")?;
    Ok(stmt.execute((domain, user, secrets))? == 1)
}

/// Deletes the account and the roster and offline queue of its bare JID `user@domain`.
/// Must run inside the caller's transaction so the cascade is all-or-nothing.
pub(super) fn delete(conn: &Connection, domain: &str, user: &str) -> Result<bool, StoreError> {
    let bare_jid = format!("{user}@{domain}");
    let existed = conn
        .prepare_cached("DELETE FROM accounts WHERE domain = ?1 AND user = ?2")?
        .execute((domain, user))?
        == 1;
    conn.prepare_cached("DELETE FROM rosters WHERE bare_jid = ?1")?
        .execute([&bare_jid])?;
    conn.prepare_cached("DELETE FROM offline WHERE bare_jid = ?1")?
        .execute([&bare_jid])?;
    Ok(existed)
}

pub(super) fn list(conn: &Connection, domain: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT user FROM accounts WHERE domain = ?1 ORDER BY user")?;
    let users = stmt
        .query_map([domain], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(users)
}

pub(super) fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n = conn
        .prepare_cached("SELECT COUNT(*) FROM accounts")?
        .query_row([], |row| row.get(0))?;
    to_u64(n, "account count")
}

#[cfg(test)]
mod tests {
    use crate::{SqliteStore, Store};

    #[test]
    fn create_get_set() {
        let s = SqliteStore::in_memory().unwrap();
        assert_eq!(s.account_get("example.org", "alice").unwrap(), None);
        assert!(s.account_create("example.org", "alice", "pw1").unwrap());
        assert!(
            !s.account_create("example.org", "alice", "other").unwrap(),
            "already exists"
        );
        assert_eq!(
            s.account_get("example.org", "alice").unwrap().as_deref(),
            Some("pw1")
        );
        assert!(s.account_set("example.org", "alice", "pw2").unwrap());
        assert_eq!(
            s.account_get("example.org", "alice").unwrap().as_deref(),
            Some("pw2")
        );
        assert!(
            !s.account_set("example.org", "bob", "pw").unwrap(),
            "missing account"
        );
        assert_eq!(s.account_get("example.org", "bob").unwrap(), None);
    }

    #[test]
    fn names_are_stored_as_given() {
        let s = SqliteStore::in_memory().unwrap();
        assert!(s.account_create("example.org", "Alice", "a").unwrap());
        assert!(s.account_create("example.org", "alice", "b").unwrap());
        assert_eq!(
            s.account_get("example.org", "Alice").unwrap().as_deref(),
            Some("a")
        );
        assert_eq!(
            s.account_get("example.org", "alice").unwrap().as_deref(),
            Some("b")
        );
    }

    #[test]
    fn hostile_values_are_bound_not_interpreted() {
        let s = SqliteStore::in_memory().unwrap();
        let evil = "x'); DROP TABLE accounts; --";
        assert!(s.account_create("example.org", evil, evil).unwrap());
        assert_eq!(
            s.account_get("example.org", evil).unwrap().as_deref(),
            Some(evil)
        );
        assert_eq!(s.account_count().unwrap(), 1);
    }

    #[test]
    fn list_and_count_per_domain() {
        let s = SqliteStore::in_memory().unwrap();
        for (d, u) in [("a.org", "zed"), ("a.org", "amy"), ("b.org", "bob")] {
            assert!(s.account_create(d, u, "x").unwrap());
        }
        assert_eq!(s.account_list("a.org").unwrap(), ["amy", "zed"]);
        assert_eq!(s.account_list("b.org").unwrap(), ["bob"]);
        assert!(s.account_list("c.org").unwrap().is_empty());
        assert_eq!(s.account_count().unwrap(), 3);
    }

    #[test]
    fn delete_cascades_to_roster_and_offline_of_that_jid_only() {
        let s = SqliteStore::in_memory().unwrap();
        s.account_create("example.org", "alice", "x").unwrap();
        s.account_create("example.org", "bob", "x").unwrap();
        for jid in ["alice@example.org", "bob@example.org"] {
            s.roster_put(jid, "{}", "1").unwrap();
            s.offline_push(jid, "<message/>").unwrap();
        }
        s.kv_put("blocklist", "alice@example.org", "[]").unwrap();

        assert!(s.account_delete("example.org", "alice").unwrap());
        assert_eq!(s.account_get("example.org", "alice").unwrap(), None);
        assert_eq!(s.roster_get("alice@example.org").unwrap(), None);
        assert_eq!(s.offline_count("alice@example.org").unwrap(), 0);
        // Other users and kv buckets are untouched.
        assert!(s.roster_get("bob@example.org").unwrap().is_some());
        assert_eq!(s.offline_count("bob@example.org").unwrap(), 1);
        assert_eq!(
            s.kv_get("blocklist", "alice@example.org")
                .unwrap()
                .as_deref(),
            Some("[]")
        );
        assert_eq!(s.account_count().unwrap(), 1);

        assert!(
            !s.account_delete("example.org", "alice").unwrap(),
            "already gone"
        );
    }
}
