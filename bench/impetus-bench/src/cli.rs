//! The command line: options every scenario shares, then one subcommand per scenario, each
//! bounded in count and in time.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::profile::TlsMode;
use crate::sasl::Mechanism;

/// Largest user count any scenario accepts.
const MAX_USERS: usize = 1_000_000;

/// impetus-bench: a c2s XMPP load tool for any server (STARTTLS, SCRAM, bind).
///
/// Prints progress on stderr and one JSON summary line on stdout.
#[derive(Debug, Parser)]
#[command(name = "impetus-bench", version)]
pub struct Cli {
    /// Options shared by every scenario.
    #[command(flatten)]
    pub common: Common,
    /// The scenario to run.
    #[command(subcommand)]
    pub scenario: Scenario,
}

/// Options shared by every scenario.
#[derive(Debug, Args)]
pub struct Common {
    /// Server address as IP:PORT (names are never resolved).
    #[arg(long, global = true, default_value = "127.0.0.1:5222")]
    pub server: SocketAddr,
    /// XMPP domain of the accounts (stream `to`, SNI).
    #[arg(long, global = true, default_value = "localhost")]
    pub domain: String,
    /// How to secure the stream.
    #[arg(long, global = true, value_enum, default_value = "starttls")]
    pub tls: TlsMode,
    /// SASL mechanism: SCRAM-SHA-256, SCRAM-SHA-1, SCRAM-SHA-512 or PLAIN.
    #[arg(long, global = true, default_value = "SCRAM-SHA-256", value_parser = parse_mechanism)]
    pub mechanism: Mechanism,
    /// User names are this prefix followed by 0, 1, 2, ...
    #[arg(long, global = true, default_value = "bench")]
    pub user_prefix: String,
    /// Password of every account.
    #[arg(long, global = true, default_value = "bench-password")]
    pub password: String,
    /// Resource every session binds.
    #[arg(long, global = true, default_value = "bench")]
    pub resource: String,
    /// Create the accounts first with in-band registration (XEP-0077); existing ones are fine.
    #[arg(long, global = true)]
    pub register: bool,
    /// Logins (and registrations) in flight at once.
    #[arg(long, global = true, default_value_t = 50)]
    pub concurrency: usize,
    /// Hard limit on the whole run, in seconds.
    #[arg(long, global = true, default_value = "300", value_parser = parse_secs)]
    pub deadline: Duration,
    /// Limit on one login, in seconds.
    #[arg(long, global = true, default_value = "30", value_parser = parse_secs)]
    pub login_timeout: Duration,
    /// PID of the server process, to report its CPU time and resident memory.
    #[arg(long, global = true)]
    pub server_pid: Option<u32>,
    /// File keeping SCRAM salted passwords between runs (client-side key caching).
    #[arg(long, global = true)]
    pub key_cache: Option<PathBuf>,
    /// Allow TLS session resumption between simulated clients (off: each is a new client).
    #[arg(long, global = true)]
    pub tls_resume: bool,
    /// Worker threads of the tool (default: one per core).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Seconds between progress lines on stderr; 0 turns them off.
    #[arg(long, global = true, default_value_t = 1.0)]
    pub progress: f64,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// N users log in (STARTTLS + SASL + bind + presence): logins/s and latency.
    Login(LoginArgs),
    /// Hold N authenticated sessions; with --server-pid, server memory per session.
    Idle(IdleArgs),
    /// Pairs exchange messages (closed loop with a window, or paced at --rate).
    Msg(MsgArgs),
    /// Users with rosters of R contacts broadcast presence.
    Presence(PresenceArgs),
}

/// Options of `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Number of users.
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Skip the untimed first pass that fills the SCRAM key cache.
    #[arg(long)]
    pub no_warmup: bool,
}

/// Options of `idle`.
#[derive(Debug, Args)]
pub struct IdleArgs {
    /// Number of sessions.
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Seconds to hold the sessions after the last login.
    #[arg(long, default_value = "10", value_parser = parse_secs)]
    pub hold: Duration,
}

/// Options of `msg`.
#[derive(Debug, Args)]
pub struct MsgArgs {
    /// Number of pairs (2 users each).
    #[arg(long, default_value_t = 50)]
    pub pairs: usize,
    /// Messages in flight per direction of a pair (closed loop).
    #[arg(long, default_value_t = 10)]
    pub window: u64,
    /// Seconds of sending.
    #[arg(long, default_value = "10", value_parser = parse_secs)]
    pub duration: Duration,
    /// Paced mode: total messages per second over all pairs (open loop; no window).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds to wait for messages still in flight after sending stops.
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub drain: Duration,
    /// Extra bytes of body text per message.
    #[arg(long, default_value_t = 0)]
    pub payload: usize,
}

/// Options of `presence`.
#[derive(Debug, Args)]
pub struct PresenceArgs {
    /// Number of users.
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// Contacts per roster (ring neighbours; rounded down to an even number).
    #[arg(long, default_value_t = 10)]
    pub roster: usize,
    /// Seconds of broadcasting.
    #[arg(long, default_value = "10", value_parser = parse_secs)]
    pub duration: Duration,
    /// Presence broadcasts per second over all users (default: one per user per second).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds allowed for the subscriptions to complete.
    #[arg(long, default_value = "30", value_parser = parse_secs)]
    pub setup_timeout: Duration,
    /// Seconds to wait for presence still in flight after broadcasting stops.
    #[arg(long, default_value = "2", value_parser = parse_secs)]
    pub drain: Duration,
}

fn parse_mechanism(s: &str) -> Result<Mechanism, String> {
    Mechanism::from_name(s).ok_or_else(|| format!("unknown mechanism {s:?}"))
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=86_400.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("expected seconds between 0 and 86400, got {s:?}")),
    }
}

impl Cli {
    /// Checks the bounds the parser cannot express.
    pub fn validate(&self) -> Result<(), String> {
        let c = &self.common;
        if c.concurrency == 0 || c.concurrency > 100_000 {
            return Err("--concurrency must be 1..=100000".into());
        }
        if c.deadline.is_zero() {
            return Err("--deadline must be positive".into());
        }
        if !(c.progress.is_finite() && c.progress >= 0.0) {
            return Err("--progress must be 0 or more seconds".into());
        }
        let users = match &self.scenario {
            Scenario::Login(a) => a.users,
            Scenario::Idle(a) => a.users,
            Scenario::Msg(a) => {
                if a.window == 0 {
                    return Err("--window must be at least 1".into());
                }
                if a.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
                    return Err("--rate must be positive".into());
                }
                a.pairs.saturating_mul(2)
            }
            Scenario::Presence(a) => {
                if a.roster < 2 || a.roster >= a.users {
                    return Err("--roster must be at least 2 and less than --users".into());
                }
                if a.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
                    return Err("--rate must be positive".into());
                }
                a.users
            }
        };
        if users == 0 || users > MAX_USERS {
            return Err(format!("the user count must be 1..={MAX_USERS}"));
        }
        Ok(())
    }

    /// The progress interval, `None` when turned off.
    pub fn progress_interval(&self) -> Option<Duration> {
        (self.common.progress > 0.0).then(|| Duration::from_secs_f64(self.common.progress))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        cli.validate()?;
        Ok(cli)
    }

    #[test]
    fn parses_common_options_anywhere() {
        let cli = parse(&[
            "impetus-bench",
            "--server",
            "127.0.0.1:5299",
            "msg",
            "--pairs",
            "3",
            "--mechanism",
            "scram-sha-1",
            "--rate",
            "1000",
            "--deadline",
            "20",
        ])
        .expect("valid");
        assert_eq!(cli.common.server.port(), 5299);
        assert_eq!(cli.common.mechanism.name(), "SCRAM-SHA-1");
        assert_eq!(cli.common.deadline, Duration::from_secs(20));
        assert!(
            matches!(cli.scenario, Scenario::Msg(ref m) if m.pairs == 3 && m.rate == Some(1000.0))
        );
        assert_eq!(cli.progress_interval(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn refuses_names_and_bad_bounds() {
        assert!(parse(&["impetus-bench", "--server", "localhost:5222", "login"]).is_err());
        assert!(parse(&["impetus-bench", "login", "--users", "0"]).is_err());
        assert!(parse(&["impetus-bench", "msg", "--window", "0"]).is_err());
        assert!(parse(&["impetus-bench", "msg", "--duration", "-1"]).is_err());
        assert!(parse(&["impetus-bench", "presence", "--users", "5", "--roster", "5"]).is_err());
        assert!(parse(&["impetus-bench", "login", "--mechanism", "DIGEST-MD5"]).is_err());
        assert!(parse(&["impetus-bench", "idle", "--concurrency", "0"]).is_err());
        assert!(
            parse(&["impetus-bench", "idle", "--progress", "0"])
                .is_ok_and(|c| c.progress_interval().is_none())
        );
    }
}
