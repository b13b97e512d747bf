//! `login`: N users log in (concurrency C) and stay connected until the end; reports
//! logins/s and latency. An untimed first pass fills the SCRAM key cache so the timed pass
//! measures the server, not the client's PBKDF2.

use serde_json::{Value, json};

use super::{Ctx, close_all, login_phase, register_phase};
use crate::cli::LoginArgs;

/// Runs the scenario and returns its summary fields.
pub async fn run(ctx: &Ctx, args: &LoginArgs) -> Value {
    let mut out = json!({"users": args.users, "concurrency": ctx.concurrency});
    if let Some(registered) = register_phase(ctx, args.users).await {
        out["register"] = registered;
    }
    if !args.no_warmup {
        let warm = login_phase(ctx, args.users, "warmup").await;
        out["warmup"] = json!({"ok": warm.sessions.len(), "failed": warm.failures.total()});
        close_all(warm.sessions.into_iter().map(|(_, s)| s.conn)).await;
    }
    let logins = login_phase(ctx, args.users, "login").await;
    let summary = logins.json();
    close_all(logins.sessions.into_iter().map(|(_, s)| s.conn)).await;
    if let (Some(o), Some(s)) = (out.as_object_mut(), summary.as_object()) {
        o.extend(s.clone());
    }
    if summary["ok"] == 0 {
        out["error"] = json!("no user could log in");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::ctx;
    use crate::testserver;

    #[tokio::test]
    async fn warms_up_then_logs_everyone_in() {
        let server = testserver::start(true).await;
        let c = ctx(server.addr);
        let out = run(
            &c,
            &LoginArgs {
                users: 6,
                no_warmup: false,
            },
        )
        .await;
        assert_eq!(out["ok"], 6);
        assert_eq!(out["warmup"]["ok"], 6);
        assert_eq!(out["register"]["created"], 6);
        assert!(out["logins_per_s"].as_f64().is_some_and(|r| r > 0.0));
        assert_eq!(c.profile.keys.stats(), (6, 6));
        assert!(out.get("error").is_none());
    }
}
