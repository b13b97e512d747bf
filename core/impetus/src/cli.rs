//! The command line: `impetus [-c FILE]` runs the server; subcommands check, dump, document
//! the configuration and write password entries.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Impetus, a Momentum-style XMPP server.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Cli {
    /// Configuration file (default: /etc/impetus/impetus.conf).
    #[arg(short = 'c', long = "config", global = true)]
    pub config: Option<PathBuf>,
    /// What to do (default: run the server).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Run {
        /// Configuration file.
        #[arg(short = 'c', long = "config")]
        config: Option<PathBuf>,
    },
    /// Validate a configuration: prints "Configuration valid" or every error (exit 0/1).
    CheckConfig {
        /// Configuration file.
        #[arg(short = 'c', long = "config")]
        config: Option<PathBuf>,
    },
    /// Print the effective configuration with every default and inherited value resolved.
    DumpConfig {
        /// Configuration file.
        #[arg(short = 'c', long = "config")]
        config: Option<PathBuf>,
    },
    /// Print every option of every module: type, default, scopes and documentation.
    Options,
    /// The console client (`ec_console`): `impetus console [endpoint [command ...]]`.
    Console {
        /// Endpoint (`/tmp/2025`, `host:port`, `user@host:port`), then an optional command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Write a hashed password entry (SCRAM and DIGEST-MD5 secrets, never cleartext).
    Passwd(PasswdArgs),
    /// Write a self-signed TLS certificate and key, unless the certificate exists.
    TlsCert(TlsCertArgs),
}

/// Arguments of `impetus tls-cert`.
#[derive(Args, Debug)]
pub struct TlsCertArgs {
    /// Certificate file (PEM) to write.
    #[arg(long)]
    pub cert: PathBuf,
    /// Key file (PEM, mode 0600); the certificate file holds both when omitted.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// DNS names the certificate is for (the first is its subject).
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// Arguments of `impetus passwd`.
#[derive(Args, Debug)]
pub struct PasswdArgs {
    /// Password file to add the entry to (replacing the user's old line); prints it if absent.
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// Realm for the DIGEST-MD5 secret (usually the XMPP domain).
    #[arg(short = 'r', long = "realm")]
    pub realm: Option<String>,
    /// PBKDF2 iterations for the SCRAM secrets.
    #[arg(long, default_value_t = 4096)]
    pub iterations: u32,
    /// User name (the JID's local part).
    pub user: String,
    /// Password; read from standard input when omitted.
    pub password: Option<String>,
}

/// The default configuration path.
pub fn default_config() -> PathBuf {
    PathBuf::from("/etc/impetus/impetus.conf")
}
