//! impetus-bench: a load tool that speaks real c2s XMPP (TCP to an IP:port, STARTTLS or
//! direct TLS, SASL SCRAM-SHA-256/SCRAM-SHA-1/PLAIN, bind, presence) against any server, runs
//! one bounded scenario and prints one JSON summary line on stdout.
//!
//! # Layout
//! - `cli.rs`: options; `profile.rs`: what all simulated clients share.
//! - `conn.rs`: a connection (TCP/TLS + XML reader); `tls.rs`: trust-anything TLS client.
//! - `login.rs`: negotiation, login and registration; `sasl.rs`, `keycache.rs`: SASL client.
//! - `pool.rs`: bounded concurrency; `hist.rs`: latency histogram; `usage.rs`: CPU and RSS;
//!   `progress.rs`: stderr progress lines.
//! - `scenario/`: `login`, `idle`, `msg` (with `flow.rs`), `presence` (with `roster.rs`).

mod cli;
mod conn;
mod error;
mod hist;
mod keycache;
mod login;
mod pool;
mod profile;
mod progress;
mod sasl;
mod scenario;
#[cfg(test)]
mod testserver;
mod tls;
mod usage;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

use cli::{Cli, Scenario};
use keycache::KeyCache;
use profile::Profile;
use scenario::Ctx;

/// mimalloc: fewer CPU cycles per stanza than the system allocator (measured with
/// `impetus-bench`: about a third less CPU per message).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Extra time past the deadline before the run is abandoned outright.
const GRACE: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = cli.validate() {
        eprintln!("impetus-bench: {message}");
        return ExitCode::from(2);
    }
    raise_open_file_limit();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.common.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("impetus-bench: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let summary = runtime.block_on(run(&cli));
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{summary}");
    let _ = stdout.flush();
    let failed = summary.get("error").is_some();
    // Leftover tasks (sessions the server never closed) must not hold the exit up.
    std::process::exit(i32::from(failed));
}

async fn run(cli: &Cli) -> Value {
    let c = &cli.common;
    let deadline = Instant::now() + c.deadline;
    let keys = match &c.key_cache {
        Some(path) => match KeyCache::load(path) {
            Ok(keys) => keys,
            Err(e) => return json!({"error": format!("cannot read {}: {e}", path.display())}),
        },
        None => KeyCache::default(),
    };
    let tls_config = match tls::client_config(c.tls_resume) {
        Ok(config) => config,
        Err(e) => return json!({"error": format!("TLS configuration: {e}")}),
    };
    let keys = Arc::new(keys);
    let ctx = Ctx {
        profile: Arc::new(Profile {
            addr: c.server,
            domain: c.domain.clone(),
            tls: c.tls,
            tls_config,
            mechanism: c.mechanism,
            password: c.password.clone(),
            user_prefix: c.user_prefix.clone(),
            resource: c.resource.clone(),
            keys: keys.clone(),
            login_timeout: c.login_timeout,
        }),
        deadline,
        concurrency: c.concurrency,
        register: c.register,
        server_pid: c.server_pid,
        progress: cli.progress_interval(),
    };
    let (name, work) = match &cli.scenario {
        Scenario::Login(a) => (
            "login",
            Box::pin(scenario::login::run(&ctx, a))
                as std::pin::Pin<Box<dyn Future<Output = Value> + Send + '_>>,
        ),
        Scenario::Idle(a) => ("idle", Box::pin(scenario::idle::run(&ctx, a)) as _),
        Scenario::Msg(a) => ("msg", Box::pin(scenario::msg::run(&ctx, a)) as _),
        Scenario::Presence(a) => ("presence", Box::pin(scenario::presence::run(&ctx, a)) as _),
    };
    let mut summary = json!({
        "scenario": name,
        "server": c.server.to_string(),
        "domain": c.domain,
        "tls": c.tls.name(),
        "mechanism": c.mechanism.name(),
    });
    let result = tokio::time::timeout_at((deadline + GRACE).into(), work).await;
    let body = result
        .unwrap_or_else(|_| json!({"error": "the deadline passed before the scenario finished"}));
    if let (Some(s), Some(b)) = (summary.as_object_mut(), body.as_object()) {
        s.extend(b.clone());
    }
    summary["deadline_hit"] = json!(Instant::now() >= deadline);
    let (hits, misses) = keys.stats();
    summary["scram_key_cache"] = json!({"hits": hits, "misses": misses});
    if let Some(path) = &c.key_cache
        && let Err(e) = keys.save(path)
    {
        eprintln!("impetus-bench: cannot write {}: {e}", path.display());
    }
    summary
}

/// Raises the soft open-file limit to the hard limit (one descriptor per session).
fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
