//! Server metrics: a handful of process-wide counters, gauges and histograms, exposed in the
//! Prometheus text format on the loopback address the global `metrics_listen` option names,
//! and printed by the console's `summary`.
//!
//! - `kinds.rs`: `Counter`, `Gauge`, `Histogram` (usable as `static`s, no allocation at rest).
//! - `http.rs`: the `metrics_listen` socket (registered like any `Listen`, so reloads diff it)
//!   and its tiny HTTP/1.0 responder.
//! - `timed_store.rs`: the store wrapper that measures storage latency.
//!
//! Every metric the server exposes is declared below, so this file is the reference. Modules
//! record into them directly (`metrics::STANZAS_RECEIVED.inc(&["message"])`); label values
//! come from small fixed sets (stanza names, mechanism names, store operations, hook names).

mod http;
mod kinds;
mod timed_store;

use std::fmt::Write as _;

pub use http::configure;
pub use kinds::{BUCKETS, Counter, Gauge, Histogram};
pub use timed_store::TimedStore;

/// Bound client sessions (resources) on this node.
pub static C2S_SESSIONS: Gauge = Gauge::new(
    "impetus_c2s_sessions",
    "Client sessions with a bound resource.",
);

/// Stanzas local clients sent, by stanza name (`iq`, `message`, `presence`).
pub static STANZAS_RECEIVED: Counter = Counter::new(
    "impetus_stanzas_received_total",
    "Stanzas received from local client sessions, by stanza type.",
    &["type"],
);

/// Stanzas queued to local sessions, by stanza name.
pub static STANZAS_DELIVERED: Counter = Counter::new(
    "impetus_stanzas_delivered_total",
    "Stanzas delivered (queued) to local sessions, by stanza type.",
    &["type"],
);

/// Failed SASL authentications, by mechanism.
pub static AUTH_FAILURES: Counter = Counter::new(
    "impetus_auth_failures_total",
    "Failed SASL authentications, by mechanism.",
    &["mechanism"],
);

/// Stanzas waiting for a server-to-server connection (moved by the xmpp module's s2s
/// queues: up when queued, down when written or bounced).
pub static S2S_QUEUED: Gauge = Gauge::new(
    "impetus_s2s_queued_stanzas",
    "Stanzas queued for server-to-server delivery.",
);

/// Time spent in Lua scriptlet callbacks, by hook name. The scriptlet module records each
/// callback: `LUA_HOOK_SECONDS.time(&[hook_name], || run())` or `observe`.
pub static LUA_HOOK_SECONDS: Histogram = Histogram::new(
    "impetus_lua_hook_seconds",
    "Time spent in Lua scriptlet callbacks, by hook.",
    &["hook"],
);

/// Latency of store calls, by operation (recorded by [`TimedStore`]).
pub static STORAGE_SECONDS: Histogram = Histogram::new(
    "impetus_storage_seconds",
    "Latency of store operations, by operation.",
    &["op"],
);

/// The whole exposition, in Prometheus text format 0.0.4.
pub fn render() -> String {
    let mut out = String::with_capacity(4096);
    C2S_SESSIONS.render(&mut out);
    STANZAS_RECEIVED.render(&mut out);
    STANZAS_DELIVERED.render(&mut out);
    AUTH_FAILURES.render(&mut out);
    S2S_QUEUED.render(&mut out);
    LUA_HOOK_SECONDS.render(&mut out);
    STORAGE_SECONDS.render(&mut out);
    out
}

/// The same figures as `(name, value)` lines for the console's `summary` (the session count
/// comes from the xmpp module's own summary line).
pub fn summary() -> Vec<(String, String)> {
    let counts = |counter: &Counter| {
        let rows = counter.by_first_label();
        if rows.is_empty() {
            return "0".to_owned();
        }
        let total: u64 = rows.iter().map(|(_, n)| n).sum();
        let parts: Vec<String> = rows.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!("{total} ({})", parts.join(", "))
    };
    let timing = |histogram: &Histogram, unit: &str| {
        let (count, sum) = histogram.totals();
        let mut out = format!("{count} {unit}");
        if count > 0 {
            let average = sum.as_secs_f64() * 1000.0 / count as f64;
            let _ = write!(out, ", {average:.3} ms average");
        }
        out
    };
    vec![
        ("Stanzas received".into(), counts(&STANZAS_RECEIVED)),
        ("Stanzas delivered".into(), counts(&STANZAS_DELIVERED)),
        ("Authentication failures".into(), counts(&AUTH_FAILURES)),
        ("S2S queued stanzas".into(), S2S_QUEUED.get().to_string()),
        ("Lua hook time".into(), timing(&LUA_HOOK_SECONDS, "calls")),
        (
            "Storage latency".into(),
            timing(&STORAGE_SECONDS, "operations"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exposed_with_help_and_type() {
        let text = render();
        for name in [
            "impetus_c2s_sessions",
            "impetus_stanzas_received_total",
            "impetus_stanzas_delivered_total",
            "impetus_auth_failures_total",
            "impetus_s2s_queued_stanzas",
            "impetus_lua_hook_seconds",
            "impetus_storage_seconds",
        ] {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}:\n{text}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}:\n{text}");
        }
        assert!(text.contains("\nimpetus_s2s_queued_stanzas 0\n"), "{text}");
    }

    #[test]
    fn summary_lines_follow_the_counters() {
        AUTH_FAILURES.inc(&["TEST-MECH"]);
        let lines = summary();
        let (_, failures) = lines
            .iter()
            .find(|(name, _)| name == "Authentication failures")
            .expect("line");
        assert!(failures.contains("TEST-MECH 1"), "{failures}");
        assert!(lines.iter().any(|(name, _)| name == "Storage latency"));
    }
}
