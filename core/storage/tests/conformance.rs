//! A backend-neutral scenario table run against `&dyn Store`: each step is an operation and its
//! expected result. Future backends (PostgreSQL) should pass the same table.

use impetus_storage::{SqliteStore, Store};

/// One operation on the store and what it must return.
enum Step {
    Create(&'static str, &'static str, &'static str, bool),
    Get(&'static str, &'static str, Option<&'static str>),
    Set(&'static str, &'static str, &'static str, bool),
    Delete(&'static str, &'static str, bool),
    List(&'static str, &'static [&'static str]),
    Count(u64),
    Push(&'static str, &'static str),
    /// Expected stanzas, oldest first.
    Peek(&'static str, usize, &'static [&'static str]),
    /// Delete up to the id returned by the n-th `Push` of the scenario (0-based).
    DeleteUpTo(&'static str, usize),
    Queued(&'static str, u64),
    RosterPut(&'static str, &'static str, &'static str),
    RosterGet(&'static str, Option<(&'static str, &'static str)>),
    KvPut(&'static str, &'static str, &'static str),
    KvGet(&'static str, &'static str, Option<&'static str>),
    KvDelete(&'static str, &'static str, bool),
    KvKeys(&'static str, &'static [&'static str]),
}

use Step::*;

const A: &str = "alice@example.org";
const B: &str = "bob@example.org";

const SCENARIO: &[Step] = &[
    Count(0),
    Create("example.org", "alice", "s1", true),
    Create("example.org", "alice", "s2", false),
    Get("example.org", "alice", Some("s1")),
    Set("example.org", "alice", "s3", true),
    Set("example.org", "carol", "s3", false),
    Get("example.org", "alice", Some("s3")),
    Create("example.org", "bob", "b", true),
    Create("other.org", "alice", "o", true),
    List("example.org", &["alice", "bob"]),
    Count(3),
    Push(A, "<m1/>"),
    Push(B, "<b1/>"),
    Push(A, "<m2/>"),
    Push(A, "<m3/>"),
    Peek(A, 10, &["<m1/>", "<m2/>", "<m3/>"]),
    Peek(A, 2, &["<m1/>", "<m2/>"]),
    DeleteUpTo(A, 2),
    Peek(A, 10, &["<m3/>"]),
    Queued(B, 1),
    RosterPut(A, "{\"x\":1}", "1"),
    RosterPut(A, "{\"x\":2}", "2"),
    RosterGet(A, Some(("{\"x\":2}", "2"))),
    RosterPut(B, "{}", "b"),
    KvPut("prefs", "k2", "v"),
    KvPut("prefs", "k1", "v"),
    KvPut("prefs", "k1", "w"),
    KvGet("prefs", "k1", Some("w")),
    KvKeys("prefs", &["k1", "k2"]),
    KvDelete("prefs", "k2", true),
    KvDelete("prefs", "k2", false),
    KvKeys("prefs", &["k1"]),
    Delete("example.org", "alice", true),
    Delete("example.org", "alice", false),
    Get("example.org", "alice", None),
    Get("other.org", "alice", Some("o")),
    RosterGet(A, None),
    Queued(A, 0),
    RosterGet(B, Some(("{}", "b"))),
    Queued(B, 1),
    KvGet("prefs", "k1", Some("w")),
    Count(2),
];

fn run(store: &dyn Store) {
    let mut pushed = Vec::new();
    for (n, step) in SCENARIO.iter().enumerate() {
        let ctx = format!("step {n}");
        match *step {
            Create(d, u, s, want) => {
                assert_eq!(store.account_create(d, u, s).unwrap(), want, "{ctx}")
            }
            Get(d, u, want) => {
                assert_eq!(store.account_get(d, u).unwrap().as_deref(), want, "{ctx}")
            }
            Set(d, u, s, want) => assert_eq!(store.account_set(d, u, s).unwrap(), want, "{ctx}"),
            Delete(d, u, want) => assert_eq!(store.account_delete(d, u).unwrap(), want, "{ctx}"),
            List(d, want) => assert_eq!(store.account_list(d).unwrap(), want, "{ctx}"),
            Count(want) => assert_eq!(store.account_count().unwrap(), want, "{ctx}"),
            Push(jid, stanza) => pushed.push(store.offline_push(jid, stanza).unwrap()),
            Peek(jid, limit, want) => {
                let got: Vec<String> = store
                    .offline_peek(jid, limit)
                    .unwrap()
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect();
                assert_eq!(got, want, "{ctx}");
            }
            DeleteUpTo(jid, nth) => store.offline_delete(jid, pushed[nth]).unwrap(),
            Queued(jid, want) => assert_eq!(store.offline_count(jid).unwrap(), want, "{ctx}"),
            RosterPut(jid, json, ver) => store.roster_put(jid, json, ver).unwrap(),
            RosterGet(jid, want) => {
                let got = store.roster_get(jid).unwrap();
                assert_eq!(
                    got.as_ref().map(|(j, v)| (j.as_str(), v.as_str())),
                    want,
                    "{ctx}"
                );
            }
            KvPut(b, k, v) => store.kv_put(b, k, v).unwrap(),
            KvGet(b, k, want) => assert_eq!(store.kv_get(b, k).unwrap().as_deref(), want, "{ctx}"),
            KvDelete(b, k, want) => assert_eq!(store.kv_delete(b, k).unwrap(), want, "{ctx}"),
            KvKeys(b, want) => assert_eq!(store.kv_keys(b).unwrap(), want, "{ctx}"),
        }
    }
}

#[test]
fn in_memory_sqlite_conforms() {
    run(&SqliteStore::in_memory().unwrap());
}

#[test]
fn file_sqlite_conforms() {
    let dir = tempfile::tempdir().unwrap();
    run(&SqliteStore::open(&dir.path().join("store.db")).unwrap());
}
