//! Durability of the file-backed store: data survives a clean reopen, and every acknowledged
//! write survives a SIGKILL of the writing process (the test re-runs its own binary as the child).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use impetus_storage::{SqliteStore, Store};

const JID: &str = "alice@example.org";
/// Set in the child process to the database path it must write to.
const CHILD_ENV: &str = "IMPETUS_STORAGE_KILL_CHILD_DB";

#[test]
fn everything_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let (first, second) = {
        let s = SqliteStore::open(&path).unwrap();
        s.account_create("example.org", "alice", "secret-a")
            .unwrap();
        s.account_create("example.org", "bob", "secret-b").unwrap();
        s.account_set("example.org", "bob", "secret-b2").unwrap();
        let first = s.offline_push(JID, "<message id='1'/>").unwrap();
        let second = s.offline_push(JID, "<message id='2'/>").unwrap();
        s.roster_put(JID, r#"{"bob@example.org":{}}"#, "v7")
            .unwrap();
        s.kv_put("blocklist", JID, "[\"spam@example.net\"]")
            .unwrap();
        (first, second)
    };
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.account_list("example.org").unwrap(), ["alice", "bob"]);
    assert_eq!(
        s.account_get("example.org", "bob").unwrap().as_deref(),
        Some("secret-b2")
    );
    assert_eq!(
        s.offline_peek(JID, 10).unwrap(),
        [
            (first, "<message id='1'/>".to_owned()),
            (second, "<message id='2'/>".to_owned())
        ]
    );
    assert_eq!(
        s.roster_get(JID).unwrap(),
        Some((r#"{"bob@example.org":{}}"#.into(), "v7".into()))
    );
    assert_eq!(s.kv_keys("blocklist").unwrap(), [JID]);
    // New ids keep growing after a reopen.
    assert!(s.offline_push(JID, "<message id='3'/>").unwrap() > second);
}

#[test]
fn file_store_uses_wal_and_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    assert_eq!(
        s.raw_query("PRAGMA journal_mode", &[]).unwrap(),
        [vec![Some("wal".to_owned())]]
    );
    assert_eq!(
        s.raw_query("PRAGMA synchronous", &[]).unwrap(),
        [vec![Some("2".to_owned())]]
    );
}

/// The child half of `acknowledged_writes_survive_sigkill`; does nothing in a normal test run.
#[test]
fn kill_child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let s = SqliteStore::open(Path::new(&path)).unwrap();
    let mut out = std::io::stdout().lock();
    // The harness has printed "test kill_child_writer ... " without a newline: end that line.
    writeln!(out).unwrap();
    for i in 0..100_000_u32 {
        let id = s.offline_push(JID, &format!("<message n='{i}'/>")).unwrap();
        writeln!(out, "offline {id}").unwrap();
        s.roster_put(JID, &format!("{{\"n\":{i}}}"), &i.to_string())
            .unwrap();
        writeln!(out, "roster {i}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "kill_child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked_ids = Vec::new();
    let mut acked_roster = None;
    let mut record = |line: &str, ids: &mut Vec<u64>| {
        if let Some(id) = line.strip_prefix("offline ") {
            ids.push(id.parse::<u64>().unwrap());
        } else if let Some(n) = line.strip_prefix("roster ") {
            acked_roster = Some(n.parse::<u64>().unwrap());
        }
    };
    while acked_ids.len() < 150 {
        let line = lines.next().expect("child stopped early").unwrap();
        record(&line, &mut acked_ids);
    }
    child.kill().unwrap(); // SIGKILL: no destructors, no checkpoint, possibly mid-transaction
    for line in lines {
        record(&line.unwrap(), &mut acked_ids);
    }
    assert!(!child.wait().unwrap().success());

    let s = SqliteStore::open(&path).unwrap();
    let stored: Vec<u64> = s
        .offline_peek(JID, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(
        stored.starts_with(&acked_ids),
        "every acknowledged message, in order"
    );
    assert!(
        stored.len() <= acked_ids.len() + 1,
        "at most the one in flight was committed unacked"
    );
    let (json, version) = s.roster_get(JID).unwrap().unwrap();
    let version: u64 = version.parse().unwrap();
    let acked_roster = acked_roster.unwrap();
    assert!(version == acked_roster || version == acked_roster + 1);
    assert_eq!(json, format!("{{\"n\":{version}}}"));
}
