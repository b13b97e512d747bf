//! Several threads sharing one store through `Arc<dyn Store>`: no lost or torn writes, and each
//! producer's offline messages stay in the order it pushed them.

use std::sync::Arc;
use std::thread;

use impetus_storage::{SqliteStore, Store};

const THREADS: usize = 6;
const PER_THREAD: usize = 40;
const JID: &str = "shared@example.org";

fn hammer(store: Arc<dyn Store>) {
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                assert!(
                    store
                        .account_create("example.org", &format!("user{t}"), "x")
                        .unwrap()
                );
                for i in 0..PER_THREAD {
                    store.offline_push(JID, &format!("{t}:{i}")).unwrap();
                    store
                        .kv_put("threads", &format!("{t}:{i:03}"), &i.to_string())
                        .unwrap();
                    assert_eq!(
                        store.kv_get("threads", &format!("{t}:{i:03}")).unwrap(),
                        Some(i.to_string())
                    );
                    // Readers interleave with writers.
                    assert!(store.offline_count(JID).unwrap() >= 1);
                    assert!(store.account_count().unwrap() >= 1);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }

    let total = THREADS * PER_THREAD;
    assert_eq!(store.account_count().unwrap(), THREADS as u64);
    assert_eq!(store.offline_count(JID).unwrap(), total as u64);
    assert_eq!(store.kv_keys("threads").unwrap().len(), total);

    let queue = store.offline_peek(JID, total).unwrap();
    assert!(
        queue.windows(2).all(|w| w[0].0 < w[1].0),
        "ids strictly increasing"
    );
    for t in 0..THREADS {
        let seen: Vec<usize> = queue
            .iter()
            .filter_map(|(_, s)| s.strip_prefix(&format!("{t}:")).map(|i| i.parse().unwrap()))
            .collect();
        assert_eq!(seen, (0..PER_THREAD).collect::<Vec<_>>(), "thread {t} FIFO");
    }
}

#[test]
fn threads_share_an_in_memory_store() {
    hammer(Arc::new(SqliteStore::in_memory().unwrap()));
}

#[test]
fn threads_share_a_file_store() {
    let dir = tempfile::tempdir().unwrap();
    hammer(Arc::new(
        SqliteStore::open(&dir.path().join("store.db")).unwrap(),
    ));
}
