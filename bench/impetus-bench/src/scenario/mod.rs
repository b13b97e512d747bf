//! The scenarios and the phases they share: registering accounts, logging users in (timed,
//! with progress) and closing sessions.

mod flow;
pub mod idle;
pub mod login;
pub mod msg;
pub mod presence;
mod roster;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::conn::{Conn, WriteSide, write_flush};
use crate::hist::Histogram;
use crate::login::{Registered, Session};
use crate::pool::{self, Done, Failures};
use crate::profile::Profile;
use crate::progress::{Progress, counter};
use crate::usage::{Measured, Meter};

/// What every scenario is given.
pub struct Ctx {
    /// Connection and account settings.
    pub profile: Arc<Profile>,
    /// When everything must be over.
    pub deadline: Instant,
    /// Logins in flight at once.
    pub concurrency: usize,
    /// Whether to register the accounts first.
    pub register: bool,
    /// The server's PID, for CPU and memory figures.
    pub server_pid: Option<u32>,
    /// Progress interval (`None`: quiet).
    pub progress: Option<Duration>,
}

impl Ctx {
    /// `instant`, or the deadline if that comes first.
    pub fn bounded(&self, instant: Instant) -> Instant {
        instant.min(self.deadline)
    }
}

/// Registers users `0..n` when asked to; returns the summary fields of that phase.
pub async fn register_phase(ctx: &Ctx, n: usize) -> Option<Value> {
    if !ctx.register {
        return None;
    }
    let done = Done {
        ok: counter(),
        failed: counter(),
    };
    let _progress = Progress::start(
        "register",
        ctx.progress,
        vec![("ok", done.ok.clone()), ("failed", done.failed.clone())],
    );
    let profile = ctx.profile.clone();
    let deadline = ctx.deadline;
    let results = pool::run(n, ctx.concurrency, deadline, done, move |i| {
        let profile = profile.clone();
        async move { crate::login::register(&profile, i, deadline).await }
    })
    .await;
    let (ok, failures) = pool::partition(results);
    let created = ok.iter().filter(|(_, r)| *r == Registered::Created).count();
    Some(json!({
        "created": created,
        "existing": ok.len() - created,
        "failed": failures.total(),
        "failures": failures.json(),
    }))
}

/// The outcome of logging users in.
pub struct Logins {
    /// Sessions that logged in, with their user index.
    pub sessions: Vec<(usize, Session)>,
    /// Failed logins by kind.
    pub failures: Failures,
    /// Login latencies (ns).
    pub latency: Histogram,
    /// CPU and wall time of the phase.
    pub measured: Measured,
}

impl Logins {
    /// Summary fields: counts, rate, latency, CPU.
    pub fn json(&self) -> Value {
        let ok = self.sessions.len();
        let mut v = self.measured.json();
        v["ok"] = json!(ok);
        v["failed"] = json!(self.failures.total());
        v["failures"] = self.failures.json();
        v["logins_per_s"] = json!((ok as f64 / self.measured.wall * 10.0).round() / 10.0);
        v["latency_ms"] = self.latency.summary_ms();
        v
    }
}

/// Logs users `0..n` in, `ctx.concurrency` at a time, with progress under `phase`.
pub async fn login_phase(ctx: &Ctx, n: usize, phase: &str) -> Logins {
    let done = Done {
        ok: counter(),
        failed: counter(),
    };
    let _progress = Progress::start(
        phase,
        ctx.progress,
        vec![("ok", done.ok.clone()), ("failed", done.failed.clone())],
    );
    let meter = Meter::start(ctx.server_pid);
    let profile = ctx.profile.clone();
    let deadline = ctx.deadline;
    let results = pool::run(n, ctx.concurrency, deadline, done, move |i| {
        let profile = profile.clone();
        async move { crate::login::login(&profile, i, deadline).await }
    })
    .await;
    let measured = meter.finish();
    let (sessions, failures) = pool::partition(results);
    let mut latency = Histogram::default();
    for (_, s) in &sessions {
        latency.record(s.latency.as_nanos() as u64);
    }
    Logins {
        sessions,
        failures,
        latency,
        measured,
    }
}

/// Closes whole connections politely, all at once, within two seconds.
pub async fn close_all(conns: impl IntoIterator<Item = Conn>) {
    let tasks: Vec<_> = conns.into_iter().map(|c| tokio::spawn(c.close())).collect();
    join_bounded(tasks).await;
}

/// Ends the streams of split connections (the reading sides are simply dropped).
pub async fn close_writers(writers: impl IntoIterator<Item = WriteSide>) {
    let tasks: Vec<_> = writers
        .into_iter()
        .map(|mut w| {
            tokio::spawn(async move {
                let _ = write_flush(&mut w, b"</stream:stream>").await;
            })
        })
        .collect();
    join_bounded(tasks).await;
}

async fn join_bounded(tasks: Vec<tokio::task::JoinHandle<()>>) {
    let limit = tokio::time::Instant::now() + Duration::from_secs(2);
    for task in tasks {
        if tokio::time::timeout_at(limit, task).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::sasl::{Mechanism, ScramHash};

    /// A context for scenario tests against the fake server at `addr` (SCRAM-SHA-256, no TLS).
    pub(crate) fn ctx(addr: std::net::SocketAddr) -> Ctx {
        Ctx {
            profile: Arc::new(crate::profile::testing::profile(
                addr,
                Mechanism::Scram(ScramHash::Sha256),
            )),
            deadline: Instant::now() + Duration::from_secs(20),
            concurrency: 4,
            register: true,
            server_pid: Some(std::process::id()),
            progress: None,
        }
    }

    #[tokio::test]
    async fn login_phase_counts_successes_and_failures() {
        let server = crate::testserver::start(true).await;
        let mut c = ctx(server.addr);
        let registered = register_phase(&c, 3).await.expect("asked to register");
        assert_eq!(registered["created"], 3);
        c.register = false;
        assert!(register_phase(&c, 3).await.is_none());
        let logins = login_phase(&c, 5, "login").await;
        assert_eq!(logins.sessions.len(), 5);
        let summary = logins.json();
        assert_eq!(summary["ok"], 5);
        assert_eq!(summary["latency_ms"]["count"], 5);
        assert!(summary["server_cpu"].is_object());
        close_all(logins.sessions.into_iter().map(|(_, s)| s.conn)).await;
    }
}
