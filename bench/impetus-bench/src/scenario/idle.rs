//! `idle`: log N users in and hold the sessions; with the server's PID, report its resident
//! memory before and after and the KiB each session costs. Sessions the server drops while
//! held are counted.

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{Value, json};

use super::{Ctx, close_writers, login_phase, register_phase};
use crate::cli::IdleArgs;
use crate::progress::{Progress, counter};
use crate::usage::{Meter, rss_kib};

/// Runs the scenario and returns its summary fields.
pub async fn run(ctx: &Ctx, args: &IdleArgs) -> Value {
    let mut out = json!({"users": args.users, "concurrency": ctx.concurrency});
    if let Some(registered) = register_phase(ctx, args.users).await {
        out["register"] = registered;
    }
    let rss_before = ctx.server_pid.and_then(rss_kib);
    let logins = login_phase(ctx, args.users, "login").await;
    out["login"] = logins.json();
    let rss_logged_in = ctx.server_pid.and_then(rss_kib);
    let held = logins.sessions.len() as u64;

    // Hold: one reader per session notices the server closing it.
    let dropped = counter();
    let alive = counter();
    alive.store(held, Ordering::Relaxed);
    let mut writers = Vec::new();
    let mut watchers = Vec::new();
    for (_, session) in logins.sessions {
        let (mut reader, writer) = session.conn.split();
        writers.push(writer);
        let (dropped, alive) = (dropped.clone(), alive.clone());
        watchers.push(tokio::spawn(async move {
            while reader.next_stanza().await.is_ok() {}
            dropped.fetch_add(1, Ordering::Relaxed);
            alive.fetch_sub(1, Ordering::Relaxed);
        }));
    }
    let meter = Meter::start(ctx.server_pid);
    {
        let _progress = Progress::start(
            "hold",
            ctx.progress,
            vec![("alive", alive.clone()), ("dropped", dropped.clone())],
        );
        tokio::time::sleep_until(ctx.bounded(Instant::now() + args.hold).into()).await;
    }
    let rss_after = ctx.server_pid.and_then(rss_kib);
    out["hold"] = meter.finish().json();
    out["sessions"] = json!(held);
    out["dropped"] = json!(dropped.load(Ordering::Relaxed));
    out["tool_rss_kib"] = json!(rss_kib(std::process::id()));
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        out["server_rss_kib"] = json!({
            "before": before,
            "logged_in": rss_logged_in,
            "after_hold": after,
        });
        if held > 0 {
            let per = after.saturating_sub(before) as f64 / held as f64;
            out["kib_per_session"] = json!((per * 100.0).round() / 100.0);
        }
    }
    for w in &watchers {
        w.abort();
    }
    close_writers(writers).await;
    if held == 0 {
        out["error"] = json!("no user could log in");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::ctx;
    use crate::testserver;
    use std::time::Duration;

    #[tokio::test]
    async fn holds_sessions_and_reports_memory() {
        let server = testserver::start(true).await;
        let c = ctx(server.addr);
        let args = IdleArgs {
            users: 4,
            hold: Duration::from_millis(200),
        };
        let out = run(&c, &args).await;
        assert_eq!(out["sessions"], 4);
        assert_eq!(out["dropped"], 0);
        assert!(out["kib_per_session"].is_number());
        assert!(
            out["server_rss_kib"]["before"]
                .as_u64()
                .is_some_and(|kib| kib > 0)
        );
        assert!(out["hold"]["wall_s"].as_f64().is_some_and(|s| s >= 0.2));
    }
}
