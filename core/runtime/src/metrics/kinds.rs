//! The three metric kinds the exporter knows (Prometheus counter, gauge and histogram), each
//! usable as a `static` and rendered in the Prometheus text exposition format (version 0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

/// Upper bounds (seconds) of the histogram buckets: 100 µs to 5 s.
pub const BUCKETS: [f64; 10] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// Label values of one series, in the order of the metric's label names.
type Key = Box<[Box<str>]>;

fn key_is(key: &Key, values: &[&str]) -> bool {
    key.len() == values.len() && key.iter().zip(values).all(|(k, v)| &**k == *v)
}

fn key_of(values: &[&str]) -> Key {
    values.iter().map(|v| Box::from(*v)).collect()
}

/// Writes `{a="x",b="y"}` (plus `extra`, e.g. `le="0.1"`), escaping values as Prometheus asks.
fn write_labels(out: &mut String, names: &[&str], values: &Key, extra: Option<(&str, &str)>) {
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .copied()
        .zip(values.iter().map(|v| &**v))
        .chain(extra)
        .collect();
    if pairs.is_empty() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
}

fn write_header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A monotonically increasing count, per label values (`stanzas by type`).
pub struct Counter {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    series: Mutex<Vec<(Key, u64)>>,
}

impl Counter {
    /// Declares a counter (use in a `static`); label values come from small fixed sets.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        Counter {
            name,
            help,
            labels,
            series: Mutex::new(Vec::new()),
        }
    }

    /// Adds `n` to the series with these label values.
    pub fn add(&self, values: &[&str], n: u64) {
        let mut series = self.series.lock();
        match series.iter_mut().find(|(key, _)| key_is(key, values)) {
            Some((_, count)) => *count += n,
            None => series.push((key_of(values), n)),
        }
    }

    /// Adds one to the series with these label values.
    pub fn inc(&self, values: &[&str]) {
        self.add(values, 1);
    }

    /// The count of one series (0 if it never moved).
    pub fn get(&self, values: &[&str]) -> u64 {
        self.series
            .lock()
            .iter()
            .find(|(key, _)| key_is(key, values))
            .map_or(0, |(_, count)| *count)
    }

    /// Every series as `(first label value, count)`, sorted, for the console summary.
    pub fn by_first_label(&self) -> Vec<(String, u64)> {
        let mut rows: Vec<(String, u64)> = self
            .series
            .lock()
            .iter()
            .map(|(key, count)| {
                (
                    key.first().map(|k| k.to_string()).unwrap_or_default(),
                    *count,
                )
            })
            .collect();
        rows.sort();
        rows
    }

    /// Appends the Prometheus text of this counter.
    pub fn render(&self, out: &mut String) {
        write_header(out, self.name, self.help, "counter");
        let mut series = self.series.lock().clone();
        series.sort();
        for (key, count) in &series {
            out.push_str(self.name);
            write_labels(out, self.labels, key, None);
            let _ = writeln!(out, " {count}");
        }
    }
}

/// A value that goes up and down (open sessions), without labels.
pub struct Gauge {
    name: &'static str,
    help: &'static str,
    value: AtomicI64,
}

impl Gauge {
    /// Declares a gauge (use in a `static`); it starts at 0.
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        Gauge {
            name,
            help,
            value: AtomicI64::new(0),
        }
    }

    /// Adds one.
    pub fn inc(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    /// Subtracts one.
    pub fn dec(&self) {
        self.value.fetch_sub(1, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }

    /// Appends the Prometheus text of this gauge.
    pub fn render(&self, out: &mut String) {
        write_header(out, self.name, self.help, "gauge");
        let _ = writeln!(out, "{} {}", self.name, self.get());
    }
}

/// Observations of one histogram series.
#[derive(Clone, Default)]
struct Observations {
    /// Per bucket (not cumulative); the last slot counts what exceeds every bound.
    buckets: [u64; BUCKETS.len() + 1],
    count: u64,
    sum: Duration,
}

/// Durations in fixed buckets ([`BUCKETS`]), per label values (`storage latency by op`).
pub struct Histogram {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    series: Mutex<Vec<(Key, Observations)>>,
}

impl Histogram {
    /// Declares a histogram of seconds (use in a `static`).
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        Histogram {
            name,
            help,
            labels,
            series: Mutex::new(Vec::new()),
        }
    }

    /// Records one duration in the series with these label values.
    pub fn observe(&self, values: &[&str], elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        let mut series = self.series.lock();
        let index = match series.iter().position(|(key, _)| key_is(key, values)) {
            Some(index) => index,
            None => {
                series.push((key_of(values), Observations::default()));
                series.len() - 1
            }
        };
        let observations = &mut series[index].1;
        observations.buckets[slot] += 1;
        observations.count += 1;
        observations.sum += elapsed;
    }

    /// Runs `work` and records how long it took.
    pub fn time<T>(&self, values: &[&str], work: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let result = work();
        self.observe(values, started.elapsed());
        result
    }

    /// Count and total duration over every series, for the console summary.
    pub fn totals(&self) -> (u64, Duration) {
        self.series
            .lock()
            .iter()
            .fold((0, Duration::ZERO), |(count, sum), (_, o)| {
                (count + o.count, sum + o.sum)
            })
    }

    /// Appends the Prometheus text of this histogram (cumulative buckets, `_sum`, `_count`).
    pub fn render(&self, out: &mut String) {
        write_header(out, self.name, self.help, "histogram");
        let mut series = self.series.lock().clone();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, observations) in &series {
            let mut cumulative = 0;
            for (i, count) in observations.buckets.iter().enumerate() {
                cumulative += count;
                let bound = BUCKETS.get(i).map_or("+Inf".to_owned(), f64::to_string);
                let _ = write!(out, "{}_bucket", self.name);
                write_labels(out, self.labels, key, Some(("le", &bound)));
                let _ = writeln!(out, " {cumulative}");
            }
            let _ = write!(out, "{}_sum", self.name);
            write_labels(out, self.labels, key, None);
            let _ = writeln!(out, " {}", observations.sum.as_secs_f64());
            let _ = write!(out, "{}_count", self.name);
            write_labels(out, self.labels, key, None);
            let _ = writeln!(out, " {}", observations.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_series_are_kept_per_label_values_and_rendered_sorted() {
        let counter = Counter::new("t_total", "Test.", &["type"]);
        counter.inc(&["message"]);
        counter.add(&["iq"], 2);
        counter.inc(&["message"]);
        assert_eq!(counter.get(&["message"]), 2);
        assert_eq!(counter.get(&["presence"]), 0);
        let mut out = String::new();
        counter.render(&mut out);
        assert_eq!(
            out,
            "# HELP t_total Test.\n# TYPE t_total counter\nt_total{type=\"iq\"} 2\nt_total{type=\"message\"} 2\n"
        );
        assert_eq!(
            counter.by_first_label(),
            [("iq".to_owned(), 2), ("message".to_owned(), 2)]
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let counter = Counter::new("e_total", "Escapes.", &["v"]);
        counter.inc(&["a\"b\\c\nd"]);
        let mut out = String::new();
        counter.render(&mut out);
        assert!(out.contains(r#"e_total{v="a\"b\\c\nd"} 1"#), "{out}");
    }

    #[test]
    fn gauge_moves_both_ways() {
        let gauge = Gauge::new("g", "Gauge.");
        gauge.inc();
        gauge.inc();
        gauge.dec();
        let mut out = String::new();
        gauge.render(&mut out);
        assert_eq!(out, "# HELP g Gauge.\n# TYPE g gauge\ng 1\n");
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let histogram = Histogram::new("h_seconds", "Latency.", &["op"]);
        histogram.observe(&["get"], Duration::from_micros(50));
        histogram.observe(&["get"], Duration::from_millis(3));
        histogram.observe(&["get"], Duration::from_secs(9));
        let mut out = String::new();
        histogram.render(&mut out);
        assert!(
            out.contains("h_seconds_bucket{op=\"get\",le=\"0.0001\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("h_seconds_bucket{op=\"get\",le=\"0.005\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("h_seconds_bucket{op=\"get\",le=\"5\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("h_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n"),
            "{out}"
        );
        assert!(out.contains("h_seconds_count{op=\"get\"} 3\n"), "{out}");
        assert!(out.contains("h_seconds_sum{op=\"get\"} 9.00305\n"), "{out}");
        assert_eq!(histogram.totals().0, 3);
        assert_eq!(histogram.time(&["put"], || 7), 7);
        assert_eq!(histogram.totals().0, 4);
    }
}
