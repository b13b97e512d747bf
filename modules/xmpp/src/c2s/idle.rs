//! The `idle_time` timer of a client connection: one timer per session, armed once and moved
//! forward only when it fires, so reading a stanza costs a clock read instead of a timer
//! re-registration.

use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// Fires when nothing was read for the configured idle time; never fires when it is unset.
pub(super) struct IdleTimer {
    limit: Option<Duration>,
    last_read: Instant,
    /// Boxed so a session without `idle_time` carries no timer at all.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl IdleTimer {
    /// A timer for `limit` (`None`: connections may stay silent forever).
    pub(super) fn new(limit: Option<Duration>) -> IdleTimer {
        let now = Instant::now();
        IdleTimer {
            limit,
            last_read: now,
            sleep: limit.map(|limit| Box::pin(tokio::time::sleep_until(now + limit))),
        }
    }

    /// Records that the peer sent something.
    pub(super) fn touch(&mut self) {
        if self.limit.is_some() {
            self.last_read = Instant::now();
        }
    }

    /// Waits for the timer: `true` when the connection has really been idle for the limit,
    /// `false` when it fired early because reads moved the deadline (it is re-armed).
    pub(super) async fn expired(&mut self) -> bool {
        let (Some(limit), Some(sleep)) = (self.limit, self.sleep.as_mut()) else {
            return std::future::pending().await;
        };
        sleep.as_mut().await;
        let deadline = self.last_read + limit;
        if deadline <= Instant::now() {
            return true;
        }
        sleep.as_mut().reset(deadline);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fires_only_after_a_full_idle_period() {
        let mut timer = IdleTimer::new(Some(Duration::from_secs(10)));
        tokio::time::advance(Duration::from_secs(6)).await;
        timer.touch();
        let start = Instant::now();
        // The first wake-up (at 10 s) finds a read at 6 s and re-arms for 16 s.
        assert!(!timer.expired().await);
        assert!(timer.expired().await);
        assert_eq!(Instant::now() - start, Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn never_fires_without_a_limit() {
        let mut timer = IdleTimer::new(None);
        let waited = tokio::time::timeout(Duration::from_secs(3600), timer.expired()).await;
        assert!(waited.is_err());
    }
}
