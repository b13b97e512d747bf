//! `msg`: P pairs of users send each other numbered messages for T seconds, either closed
//! loop (W in flight per direction) or paced at a total rate; then a drain period, and a
//! count of what was delivered, lost and duplicated, with one-way latency.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use impetus_xml::escape_attr;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::flow::{Flow, Pace, Reader, Received, Writer};
use super::{Ctx, close_writers, login_phase, register_phase};
use crate::cli::MsgArgs;
use crate::hist::Histogram;
use crate::login::Session;
use crate::progress::{Progress, counter};
use crate::usage::Meter;

/// Runs the scenario and returns its summary fields.
pub async fn run(ctx: &Ctx, args: &MsgArgs) -> Value {
    let users = args.pairs * 2;
    let mut out = json!({
        "pairs": args.pairs,
        "mode": if args.rate.is_some() { "paced" } else { "window" },
        "duration_s": args.duration.as_secs_f64(),
    });
    match args.rate {
        Some(rate) => out["rate_target"] = json!(rate),
        None => out["window"] = json!(args.window),
    }
    if let Some(registered) = register_phase(ctx, users).await {
        out["register"] = registered;
    }
    let logins = login_phase(ctx, users, "login").await;
    out["login"] = logins.json();
    let mut slots: Vec<Option<Session>> = (0..users).map(|_| None).collect();
    for (i, s) in logins.sessions {
        slots[i] = Some(s);
    }
    let mut pairs = Vec::new();
    for k in 0..args.pairs {
        if let (Some(a), Some(b)) = (slots[2 * k].take(), slots[2 * k + 1].take()) {
            pairs.push((a, b));
        }
    }
    super::close_all(slots.into_iter().flatten().map(|s| s.conn)).await;
    out["pairs_active"] = json!(pairs.len());
    if pairs.is_empty() {
        out["error"] = json!("no pair could log in");
        return out;
    }

    let directions = pairs.len() * 2;
    let (stop_send, send_rx) = watch::channel(false);
    let (stop_read, read_rx) = watch::channel(false);
    let (sent, delivered) = (counter(), counter());
    let run: u32 = rand::random();
    let epoch = Instant::now();
    let padding = " ".to_owned() + &"x".repeat(args.payload);
    let padding = if args.payload == 0 {
        String::new()
    } else {
        padding
    };
    let mut flows = Vec::new();
    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for (a, b) in pairs {
        let (a_read, a_write) = a.conn.split();
        let (b_read, b_write) = b.conn.split();
        let ab = Arc::new(Flow::default());
        let ba = Arc::new(Flow::default());
        for (io, to, flow) in [(a_write, &b.jid, &ab), (b_write, &a.jid, &ba)] {
            let mut prefix = String::from("<message to='");
            escape_attr(to, &mut prefix);
            prefix.push_str("' type='chat'><body>");
            let pace = match args.rate {
                Some(rate) => Pace::Rate {
                    rate: rate / directions as f64,
                    phase: writers.len() as f64 / directions as f64,
                },
                None => Pace::Window(args.window),
            };
            let writer = Writer {
                io,
                prefix,
                padding: padding.clone(),
                flow: flow.clone(),
                pace,
                run,
                epoch,
                stop: send_rx.clone(),
                total: sent.clone(),
            };
            writers.push(tokio::spawn(writer.run()));
        }
        for (io, flow) in [(a_read, &ba), (b_read, &ab)] {
            let reader = Reader {
                io,
                flow: flow.clone(),
                run,
                epoch,
                stop: read_rx.clone(),
                total: delivered.clone(),
            };
            readers.push(tokio::spawn(reader.run()));
        }
        flows.push(ab);
        flows.push(ba);
    }

    let meter = Meter::start(ctx.server_pid);
    let progress = Progress::start(
        "msg",
        ctx.progress,
        vec![("sent", sent.clone()), ("delivered", delivered.clone())],
    );
    tokio::time::sleep_until(ctx.bounded(epoch + args.duration).into()).await;
    let in_window = delivered.load(Ordering::Relaxed);
    let measured = meter.finish();
    let _ = stop_send.send(true);
    let drain_until = ctx.bounded(Instant::now() + args.drain);
    while Instant::now() < drain_until && !all_arrived(&flows) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(progress);
    let drained = all_arrived(&flows);
    let _ = stop_read.send(true);

    let mut write_sides = Vec::new();
    for w in writers {
        if let Ok(io) = w.await {
            write_sides.push(io);
        }
    }
    let (mut latency, mut from_due) = (Histogram::default(), Histogram::default());
    let (mut unique, mut duplicated, mut errors, mut stale, mut closed) = (0, 0, 0, 0, 0);
    for r in readers {
        let got: Received = r.await.unwrap_or_default();
        latency.merge(&got.latency);
        from_due.merge(&got.from_due);
        unique += got.seen.unique;
        duplicated += got.duplicated;
        errors += got.errors;
        stale += got.stale;
        closed += u64::from(got.closed);
    }
    close_writers(write_sides).await;

    let total_sent: u64 = flows.iter().map(|f| f.sent.load(Ordering::Relaxed)).sum();
    let mut m = measured.json();
    m["sent"] = json!(total_sent);
    m["delivered_in_window"] = json!(in_window);
    m["delivered_total"] = json!(unique);
    m["msgs_per_s"] = json!((in_window as f64 / measured.wall).round());
    m["latency_ms"] = latency.summary_ms();
    if args.rate.is_some() {
        m["latency_from_due_ms"] = from_due.summary_ms();
    }
    m["lost"] = json!(total_sent.saturating_sub(unique));
    // False when the drain period (or the deadline) ended with messages still in flight.
    m["drained"] = json!(drained);
    m["duplicated"] = json!(duplicated);
    m["errors"] = json!(errors);
    m["stale_from_earlier_runs"] = json!(stale);
    m["sessions_closed_by_server"] = json!(closed);
    if let Some(cpu) = measured.server_cpu.filter(|_| in_window > 0) {
        m["server_cpu_us_per_msg"] = json!((cpu * 1e6 / in_window as f64 * 100.0).round() / 100.0);
    }
    if let (Some(o), Some(add)) = (out.as_object_mut(), m.as_object()) {
        o.extend(add.clone());
    }
    out
}

/// True when every direction's receiver has everything its sender sent.
fn all_arrived(flows: &[Arc<Flow>]) -> bool {
    flows
        .iter()
        .all(|f| f.received.load(Ordering::Relaxed) >= f.sent.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::ctx;
    use crate::testserver;

    fn args(rate: Option<f64>) -> MsgArgs {
        MsgArgs {
            pairs: 2,
            window: 4,
            duration: Duration::from_millis(300),
            rate,
            drain: Duration::from_secs(2),
            payload: 8,
        }
    }

    #[tokio::test]
    async fn closed_loop_delivers_everything_once() {
        let server = testserver::start(true).await;
        let out = run(&ctx(server.addr), &args(None)).await;
        assert_eq!(out["pairs_active"], 2);
        assert!(out["sent"].as_u64().is_some_and(|n| n > 8), "{out}");
        assert_eq!(out["lost"], 0, "{out}");
        assert_eq!(out["drained"], true);
        assert_eq!(out["duplicated"], 0);
        assert_eq!(out["errors"], 0);
        assert_eq!(out["delivered_total"], out["sent"]);
        assert!(out["msgs_per_s"].as_f64().is_some_and(|r| r > 0.0));
        assert!(out.get("latency_from_due_ms").is_none());
    }

    #[tokio::test]
    async fn paced_mode_keeps_the_rate() {
        let server = testserver::start(true).await;
        let out = run(&ctx(server.addr), &args(Some(400.0))).await;
        // 400/s for 0.3 s over 4 directions: about 120 messages.
        let sent = out["sent"].as_u64().unwrap_or_default();
        assert!((100..=180).contains(&sent), "{out}");
        assert_eq!(out["lost"], 0);
        assert_eq!(out["mode"], "paced");
        assert_eq!(out["latency_from_due_ms"]["count"], out["delivered_total"]);
    }
}
