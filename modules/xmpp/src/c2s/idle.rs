//! The `idle_time` limit of a client connection: one timer per session, armed once and moved
//! forward only when it fires, so reading costs a clock read instead of re-arming a timer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// When the peer last sent something, shared between the read path and [`expired`].
pub(super) struct LastRead {
    /// The `idle_time` limit; without one nothing is recorded.
    limit: Option<Duration>,
    origin: Instant,
    /// Milliseconds after `origin`.
    after_ms: AtomicU64,
}

impl LastRead {
    /// Starts counting now, for connections limited to `limit` of silence.
    pub(super) fn new(limit: Option<Duration>) -> LastRead {
        LastRead {
            limit,
            origin: Instant::now(),
            after_ms: AtomicU64::new(0),
        }
    }

    /// Records that the peer sent something (no clock read when there is no limit).
    pub(super) fn touch(&self) {
        if self.limit.is_some() {
            let ms = self.origin.elapsed().as_millis() as u64;
            self.after_ms.store(ms, Ordering::Relaxed);
        }
    }

    fn at(&self) -> Instant {
        self.origin + Duration::from_millis(self.after_ms.load(Ordering::Relaxed))
    }
}

/// Completes once nothing was read for the limit; never without one.
pub(super) async fn expired(last_read: &LastRead) {
    let Some(limit) = last_read.limit else {
        return std::future::pending().await;
    };
    loop {
        let deadline = last_read.at() + limit;
        if deadline <= Instant::now() {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fires_only_after_a_full_idle_period() {
        let last_read = LastRead::new(Some(Duration::from_secs(10)));
        let start = Instant::now();
        let timer = expired(&last_read);
        tokio::pin!(timer);
        tokio::select! {
            _ = &mut timer => panic!("fired early"),
            _ = tokio::time::sleep(Duration::from_secs(6)) => last_read.touch(),
        }
        timer.await;
        assert_eq!(Instant::now() - start, Duration::from_secs(16));
    }

    #[tokio::test(start_paused = true)]
    async fn never_fires_without_a_limit() {
        let last_read = LastRead::new(None);
        let waited = tokio::time::timeout(Duration::from_secs(3600), expired(&last_read)).await;
        assert!(waited.is_err());
    }
}
