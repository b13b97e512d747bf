//! Running `n` numbered jobs with at most `c` at a time, stopping at a deadline, and tallying
//! the failures by kind.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use crate::error::BenchError;
use crate::progress::Counter;

/// Counters a pool bumps as jobs finish (for progress lines).
#[derive(Clone)]
pub struct Done {
    /// Jobs that succeeded.
    pub ok: Counter,
    /// Jobs that failed.
    pub failed: Counter,
}

/// Runs `job(i)` for every `i < n`, `concurrency` at a time. Jobs not started by `deadline`
/// fail with a timeout. Results are in index order.
pub async fn run<T, F, Fut>(
    n: usize,
    concurrency: usize,
    deadline: Instant,
    done: Done,
    job: F,
) -> Vec<Result<T, BenchError>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, BenchError>> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..concurrency.clamp(1, n.max(1)) {
        let (job, next, tx, done) = (job.clone(), next.clone(), tx.clone(), done.clone());
        tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || Instant::now() >= deadline {
                    break;
                }
                let result = job(i).await;
                let counter = if result.is_ok() {
                    &done.ok
                } else {
                    &done.failed
                };
                counter.fetch_add(1, Ordering::Relaxed);
                if tx.send((i, result)).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut results: Vec<Option<Result<T, BenchError>>> = (0..n).map(|_| None).collect();
    while let Some((i, result)) = rx.recv().await {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(BenchError::Timeout("not started before the deadline"))))
        .collect()
}

/// Failures counted by [`BenchError::kind`], with one full message per kind as an example.
#[derive(Debug, Default)]
pub struct Failures {
    by_kind: BTreeMap<String, (u64, String)>,
}

impl Failures {
    /// Counts one failure.
    pub fn add(&mut self, e: &BenchError) {
        let entry = self.by_kind.entry(e.kind()).or_insert((0, e.to_string()));
        entry.0 += 1;
    }

    /// The number of failures.
    pub fn total(&self) -> u64 {
        self.by_kind.values().map(|(n, _)| n).sum()
    }

    /// `{"kind": {"count": n, "example": "..."}}`.
    pub fn json(&self) -> Value {
        let map: serde_json::Map<String, Value> = self
            .by_kind
            .iter()
            .map(|(k, (n, ex))| (k.clone(), json!({"count": n, "example": ex})))
            .collect();
        Value::Object(map)
    }
}

/// Splits results into the successes (with their index) and the counted failures.
pub fn partition<T>(results: Vec<Result<T, BenchError>>) -> (Vec<(usize, T)>, Failures) {
    let mut ok = Vec::new();
    let mut failures = Failures::default();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(v) => ok.push((i, v)),
            Err(e) => failures.add(&e),
        }
    }
    (ok, failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::counter;
    use std::time::Duration;

    #[tokio::test]
    async fn runs_all_jobs_bounded_and_in_order() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let done = Done {
            ok: counter(),
            failed: counter(),
        };
        let (r, p) = (running.clone(), peak.clone());
        let results = run(
            20,
            3,
            Instant::now() + Duration::from_secs(10),
            done.clone(),
            move |i| {
                let (r, p) = (r.clone(), p.clone());
                async move {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    r.fetch_sub(1, Ordering::SeqCst);
                    if i % 5 == 0 {
                        Err(BenchError::Timeout("x"))
                    } else {
                        Ok(i * 2)
                    }
                }
            },
        )
        .await;
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(done.ok.load(Ordering::Relaxed), 16);
        assert_eq!(done.failed.load(Ordering::Relaxed), 4);
        let (ok, failures) = partition(results);
        assert_eq!(ok.len(), 16);
        assert_eq!(ok[0], (1, 2));
        assert_eq!(failures.total(), 4);
        assert_eq!(failures.json()["timeout: x"]["count"], 4);
    }

    #[tokio::test]
    async fn jobs_after_the_deadline_fail() {
        let done = Done {
            ok: counter(),
            failed: counter(),
        };
        let results = run(5, 2, Instant::now(), done, |i| async move {
            Ok::<_, BenchError>(i)
        })
        .await;
        assert_eq!(results.len(), 5);
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(BenchError::Timeout(_))))
        );
    }
}
