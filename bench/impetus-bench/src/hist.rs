//! A log-linear latency histogram (32 buckets per power of two, about 3% precision) that
//! records in constant time and merges across tasks.

use serde_json::{Value, json};

const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// Counts of values (nanoseconds) by bucket.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

fn index(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros();
    let shift = exp - SUB_BITS;
    let mantissa = (v >> shift) as usize & (SUB - 1);
    (shift as usize + 1) * SUB + mantissa
}

/// The largest value that falls into bucket `i`.
fn upper_bound(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let shift = (i / SUB - 1) as u32;
    let low = ((SUB + i % SUB) as u64) << shift;
    low + ((1u64 << shift) - 1)
}

impl Histogram {
    /// Records one value.
    pub fn record(&mut self, v: u64) {
        if let Some(c) = self.counts.get_mut(index(v)) {
            *c += 1;
        }
        self.total += 1;
        self.max = self.max.max(v);
        self.sum += u128::from(v);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// The value at quantile `q` (0..=1), within bucket precision; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper_bound(i).min(self.max);
            }
        }
        self.max
    }

    /// `{"count":n,"p50":..,"p90":..,"p99":..,"p999":..,"max":..,"mean":..}`, times in ms.
    pub fn summary_ms(&self) -> Value {
        let ms = |ns: u64| (ns as f64 / 1e3).round() / 1e3;
        let mean = if self.total == 0 {
            0
        } else {
            (self.sum / u128::from(self.total)) as u64
        };
        json!({
            "count": self.total,
            "p50": ms(self.quantile(0.50)),
            "p90": ms(self.quantile(0.90)),
            "p99": ms(self.quantile(0.99)),
            "p999": ms(self.quantile(0.999)),
            "max": ms(self.max),
            "mean": ms(mean),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_precise() {
        for v in [
            0u64,
            1,
            31,
            32,
            63,
            64,
            65,
            1000,
            123_456_789,
            u64::MAX / 3,
            u64::MAX,
        ] {
            let i = index(v);
            assert!(i < BUCKETS, "{v}");
            assert!(upper_bound(i) >= v, "{v}");
            if i > 0 {
                assert!(upper_bound(i - 1) < v, "{v}");
            }
            assert!((upper_bound(i) - v) as f64 <= v as f64 / 32.0 + 1.0);
        }
    }

    #[test]
    fn quantiles_and_merge() {
        let mut a = Histogram::default();
        assert_eq!(a.quantile(0.5), 0);
        for v in 1..=1000u64 {
            a.record(v * 1000);
        }
        let p50 = a.quantile(0.5) as f64;
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.04, "{p50}");
        let p99 = a.quantile(0.99) as f64;
        assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.04, "{p99}");
        assert_eq!(a.quantile(1.0), 1_000_000);
        let mut b = Histogram::default();
        b.record(5_000_000);
        a.merge(&b);
        assert_eq!(a.summary_ms()["count"], 1001);
        assert_eq!(a.quantile(1.0), 5_000_000);
        let s = a.summary_ms();
        assert_eq!(s["max"], 5.0);
        assert!(s["p50"].as_f64().is_some_and(|p| (p - 0.5).abs() < 0.02));
    }
}
