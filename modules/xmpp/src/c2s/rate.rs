//! `stanza_rate`: a token bucket per client session. A session that sends faster than the
//! rate is slowed down, not disconnected: the server stops reading its socket until the next
//! stanza is allowed, so TCP pushes back on the client and the server buffers nothing extra.

use std::time::Duration;

use tokio::time::Instant;

/// Allows `count` stanzas per `seconds` on average, in bursts of up to `count`.
pub(super) struct StanzaRate {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl StanzaRate {
    /// A full bucket for `count` stanzas per `seconds` (`0/..` or `../0` means no limit).
    pub(super) fn new((count, seconds): (u32, u32)) -> StanzaRate {
        let unlimited = count == 0 || seconds == 0;
        let per_second = if unlimited {
            f64::INFINITY
        } else {
            f64::from(count) / f64::from(seconds)
        };
        StanzaRate {
            per_second,
            burst: f64::from(count.max(1)),
            tokens: f64::from(count.max(1)),
            last: Instant::now(),
        }
    }

    /// Takes one stanza's token, or says how long to wait for it.
    pub(super) fn take(&mut self) -> Result<(), Duration> {
        if self.per_second.is_infinite() {
            return Ok(());
        }
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.per_second,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn allows_a_burst_then_the_rate() {
        let mut rate = StanzaRate::new((5, 1));
        for _ in 0..5 {
            assert!(rate.take().is_ok());
        }
        let wait = rate.take().expect_err("bucket empty");
        assert!(wait > Duration::from_millis(150) && wait <= Duration::from_millis(200));
        tokio::time::advance(wait).await;
        assert!(rate.take().is_ok());
        assert!(rate.take().is_err());
        tokio::time::advance(Duration::from_secs(10)).await;
        // Refilled, but never beyond one burst.
        for _ in 0..5 {
            assert!(rate.take().is_ok());
        }
        assert!(rate.take().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unlimited() {
        let mut rate = StanzaRate::new((0, 1));
        for _ in 0..100_000 {
            assert!(rate.take().is_ok());
        }
    }
}
