//! Progress lines on stderr while a phase runs: each named counter with its total and its
//! rate since the previous line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// A shared event counter.
pub type Counter = Arc<AtomicU64>;

/// A new counter at zero.
pub fn counter() -> Counter {
    Arc::new(AtomicU64::new(0))
}

/// Prints progress until dropped.
pub struct Progress {
    task: Option<JoinHandle<()>>,
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// One progress line: `[  2.0s] phase: name total (+rate/s), ...`.
fn line(phase: &str, elapsed: f64, values: &[(&str, u64, f64)]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|(name, total, rate)| format!("{name} {total} ({rate:.0}/s)"))
        .collect();
    format!("[{elapsed:6.1}s] {phase}: {}", parts.join(", "))
}

impl Progress {
    /// Starts printing every `interval` (no output when `None`).
    pub fn start(
        phase: &str,
        interval: Option<Duration>,
        counters: Vec<(&'static str, Counter)>,
    ) -> Progress {
        let Some(interval) = interval else {
            return Progress { task: None };
        };
        let phase = phase.to_owned();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut last: Vec<u64> = counters
                .iter()
                .map(|(_, c)| c.load(Ordering::Relaxed))
                .collect();
            let mut last_at = started;
            let mut ticker = tokio::time::interval_at((started + interval).into(), interval);
            loop {
                ticker.tick().await;
                let now = Instant::now();
                let dt = now.duration_since(last_at).as_secs_f64().max(1e-9);
                let values: Vec<(&str, u64, f64)> = counters
                    .iter()
                    .zip(&mut last)
                    .map(|((name, c), prev)| {
                        let v = c.load(Ordering::Relaxed);
                        let rate = v.saturating_sub(*prev) as f64 / dt;
                        *prev = v;
                        (*name, v, rate)
                    })
                    .collect();
                last_at = now;
                eprintln!(
                    "{}",
                    line(&phase, now.duration_since(started).as_secs_f64(), &values)
                );
            }
        });
        Progress { task: Some(task) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_lines() {
        assert_eq!(
            line("msg", 2.04, &[("delivered", 1200, 600.4), ("lost", 0, 0.0)]),
            "[   2.0s] msg: delivered 1200 (600/s), lost 0 (0/s)"
        );
    }

    #[tokio::test]
    async fn stops_when_dropped() {
        let c = counter();
        let p = Progress::start("t", Some(Duration::from_millis(5)), vec![("c", c.clone())]);
        c.fetch_add(3, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let task = p.task.as_ref().map(|t| t.abort_handle());
        drop(p);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(task.is_some_and(|t| t.is_finished()));
        assert!(Progress::start("t", None, Vec::new()).task.is_none());
    }
}
