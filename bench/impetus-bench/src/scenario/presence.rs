//! `presence`: users with rosters of R contacts (mutual subscriptions made through the
//! protocol, auto-accepted) broadcast timestamped presence for T seconds; reports presence
//! deliveries/s and latency. Skipped, with a reason, when the server refuses roster requests.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::roster::{Phase, RosterReader, RosterWriter, contacts};
use super::{Ctx, close_all, close_writers, login_phase, register_phase};
use crate::cli::PresenceArgs;
use crate::hist::Histogram;
use crate::login::{error_condition, iq_reply};
use crate::progress::{Progress, counter};
use crate::usage::Meter;

/// Runs the scenario and returns its summary fields.
pub async fn run(ctx: &Ctx, args: &PresenceArgs) -> Value {
    let n = args.users;
    let rate = args.rate.unwrap_or(n as f64);
    let per_user = contacts(0, n, args.roster).len();
    let mut out = json!({"users": n, "roster": per_user, "rate_target": rate,
        "duration_s": args.duration.as_secs_f64()});
    if let Some(registered) = register_phase(ctx, n).await {
        out["register"] = registered;
    }
    let logins = login_phase(ctx, n, "login").await;
    out["login"] = logins.json();
    let mut sessions = logins.sessions;
    if sessions.len() < n {
        out["error"] = json!("not every user could log in");
        close_all(sessions.into_iter().map(|(_, s)| s.conn)).await;
        return out;
    }
    // Probe roster support on the first session before anything else.
    let probe = async {
        let conn = &mut sessions[0].1.conn;
        conn.send("<iq type='get' id='roster0'><query xmlns='jabber:iq:roster'/></iq>")
            .await?;
        iq_reply(conn, "roster0").await
    };
    let limit = ctx.bounded(Instant::now() + Duration::from_secs(10));
    let reason = match tokio::time::timeout_at(limit.into(), probe).await {
        Ok(Ok(reply)) if reply.attr("type") == Some("result") => None,
        Ok(Ok(reply)) => Some(format!(
            "roster request refused: {}",
            error_condition(&reply).unwrap_or_default()
        )),
        Ok(Err(e)) => Some(format!("roster request failed: {e}")),
        Err(_) => Some("no answer to the roster request".to_owned()),
    };
    if let Some(reason) = reason {
        out["skipped"] = json!(true);
        out["reason"] = json!(reason);
        close_all(sessions.into_iter().map(|(_, s)| s.conn)).await;
        return out;
    }

    let p = &ctx.profile;
    let (phase_tx, phase_rx) = watch::channel(Phase::Setup);
    let (stop_tx, stop_rx) = watch::channel(false);
    let epoch = Arc::new(OnceLock::new());
    let run: u32 = rand::random();
    let (subscribed, delivered, broadcasts) = (counter(), counter(), counter());
    let period = Duration::from_secs_f64(n as f64 / rate);
    let (mut writers, mut readers) = (Vec::new(), Vec::new());
    for (i, session) in sessions {
        let (io_r, io_w) = session.conn.split();
        let (tx, rx) = mpsc::unbounded_channel();
        let own = format!("{}@{}", p.username(i), p.domain);
        let bare = |j: usize| format!("{}@{}", p.username(j), p.domain);
        writers.push(tokio::spawn(
            RosterWriter {
                io: io_w,
                contacts: contacts(i, n, args.roster).into_iter().map(bare).collect(),
                replies: rx,
                phase: phase_rx.clone(),
                period,
                offset: period.mul_f64(i as f64 / n as f64),
                epoch: epoch.clone(),
                run,
                broadcasts: broadcasts.clone(),
            }
            .run(),
        ));
        readers.push(tokio::spawn(
            RosterReader {
                io: io_r,
                own,
                replies: tx,
                stop: stop_rx.clone(),
                epoch: epoch.clone(),
                run,
                subscribed: subscribed.clone(),
                delivered: delivered.clone(),
            }
            .run(),
        ));
    }

    let expected = (n * per_user) as u64;
    {
        let _progress = Progress::start(
            "subscribe",
            ctx.progress,
            vec![("subscribed", subscribed.clone())],
        );
        let until = ctx.bounded(Instant::now() + args.setup_timeout);
        while Instant::now() < until && subscribed.load(Ordering::Relaxed) < expected {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep_until(
            ctx.bounded(Instant::now() + Duration::from_millis(500))
                .into(),
        )
        .await;
    }
    out["subscriptions"] =
        json!({"expected": expected, "confirmed": subscribed.load(Ordering::Relaxed)});

    let started = Instant::now();
    let _ = epoch.set(started);
    let meter = Meter::start(ctx.server_pid);
    let _ = phase_tx.send(Phase::Broadcast);
    let progress = Progress::start(
        "presence",
        ctx.progress,
        vec![
            ("broadcasts", broadcasts.clone()),
            ("delivered", delivered.clone()),
        ],
    );
    tokio::time::sleep_until(ctx.bounded(started + args.duration).into()).await;
    let in_window = delivered.load(Ordering::Relaxed);
    let measured = meter.finish();
    let _ = phase_tx.send(Phase::Stop);
    let mut write_sides = Vec::new();
    for w in writers {
        if let Ok(io) = w.await {
            write_sides.push(io);
        }
    }
    let sent = broadcasts.load(Ordering::Relaxed);
    let want = sent * per_user as u64;
    let drain_until = ctx.bounded(Instant::now() + args.drain);
    while Instant::now() < drain_until && delivered.load(Ordering::Relaxed) < want {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(progress);
    let drained = delivered.load(Ordering::Relaxed) >= want;
    let _ = stop_tx.send(true);
    let mut latency = Histogram::default();
    let (mut total, mut closed) = (0, 0);
    for r in readers {
        let seen = r.await.unwrap_or_default();
        latency.merge(&seen.latency);
        total += seen.deliveries;
        closed += u64::from(seen.closed);
    }
    close_writers(write_sides).await;

    let mut m = measured.json();
    m["broadcasts"] = json!(sent);
    m["expected_deliveries"] = json!(want);
    m["deliveries_in_window"] = json!(in_window);
    m["deliveries_total"] = json!(total);
    m["missing"] = json!(want.saturating_sub(total));
    m["drained"] = json!(drained);
    m["deliveries_per_s"] = json!((in_window as f64 / measured.wall).round());
    m["latency_ms"] = latency.summary_ms();
    m["sessions_closed_by_server"] = json!(closed);
    if let (Some(o), Some(add)) = (out.as_object_mut(), m.as_object()) {
        o.extend(add.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::ctx;
    use crate::testserver;

    fn args() -> PresenceArgs {
        PresenceArgs {
            users: 6,
            roster: 2,
            duration: Duration::from_millis(500),
            rate: Some(60.0),
            setup_timeout: Duration::from_secs(5),
            drain: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn broadcasts_reach_every_contact() {
        let server = testserver::start(true).await;
        let out = run(&ctx(server.addr), &args()).await;
        assert_eq!(out["subscriptions"]["expected"], 12, "{out}");
        assert_eq!(out["subscriptions"]["confirmed"], 12, "{out}");
        let broadcasts = out["broadcasts"].as_u64().unwrap_or_default();
        assert!(broadcasts >= 20, "{out}");
        assert_eq!(out["deliveries_total"], broadcasts * 2, "{out}");
        assert_eq!(out["missing"], 0);
    }

    #[tokio::test]
    async fn skips_servers_without_rosters() {
        let server = testserver::start(false).await;
        let out = run(&ctx(server.addr), &args()).await;
        assert_eq!(out["skipped"], true);
        assert!(
            out["reason"]
                .as_str()
                .is_some_and(|r| r.contains("service-unavailable"))
        );
    }
}
