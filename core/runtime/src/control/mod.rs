//! The `Control_Listener`: the server side of the console (spec §7, proposal §9.8).
//!
//! - `protocol.rs`: the framed line protocol shared with the `ec_console` client.
//! - `auth.rs`: OS-user trust on Unix sockets, DIGEST-MD5 on TCP, roles from `groups://`.
//! - `commands.rs`: the command table; `config_commands.rs`: the `config` family.
//!
//! Authorization: when a Listen has `AuthorizationParameters`, a command runs only if it
//! matches an `allow` regex of one of the user's roles (`Authorization { Role "r" { ... } }`);
//! otherwise it gets `Not Authorized for this command`.

mod auth;
pub mod commands;
mod config_commands;
pub mod protocol;

use std::sync::Arc;
use std::time::Duration;

use impetus_config::{Config, Diagnostic};
use regex::Regex;
use tokio::io::BufReader;

use crate::Generation;
use crate::auth::{AuthParams, AuthSource};
use crate::listener::{
    Connection, ConnectionHandler, ListenAddr, ListenRegistration, NetStream, SocketOptions,
};
use crate::options::{ControlOptions, RoleOptions};
use crate::registrar::Registrar;
use protocol::{Status, read_line, write_frame};

pub use auth::SERVICE as DIGEST_SERVICE;

/// Registers the console sockets of a `Control_Listener` scope, if the config has one.
pub fn configure(config: &Config, registrar: &mut Registrar) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (listener_index, listener) in config.scopes("control_listener").enumerate() {
        for (listen_index, listen) in config.listener(listener).listens().iter().enumerate() {
            let options = match ControlOptions::read(&listen.resolve_listen()) {
                Ok(options) => options,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            let tcp = !matches!(listen.addr, ListenAddr::Unix(_));
            if tcp && options.authdigestmd5parameters.is_none() && !options.always_allow {
                diagnostics.push(Diagnostic::error(
                    listen.node.location.clone(),
                    "a TCP console Listen needs AuthDigestMD5Parameters (or Always_Allow = true)",
                ));
            }
            registrar.listen(ListenRegistration {
                kind: "control_listener".into(),
                addr: listen.addr.clone(),
                options: SocketOptions {
                    backlog: 16,
                    file_mode: options.file_mode.0,
                    ..SocketOptions::default()
                },
                enabled: options.enable,
                handler: Arc::new(ControlHandler {
                    listener_index,
                    listen_index,
                }),
            });
        }
    }
    diagnostics
}

struct ControlHandler {
    listener_index: usize,
    listen_index: usize,
}

/// Who logged in and what they may run.
struct Login {
    user: String,
    allowed: Option<Vec<Regex>>,
}

impl ControlHandler {
    fn options(
        &self,
        generation: &Generation,
        connection: &Connection,
    ) -> Result<ControlOptions, String> {
        let config = &generation.config;
        let listener = config
            .scopes("control_listener")
            .nth(self.listener_index)
            .ok_or("no Control_Listener")?;
        let view = config.listener(listener);
        let listens = view.listens();
        let listen = listens.get(self.listen_index).ok_or("no such Listen")?;
        ControlOptions::read(&listen.resolve(connection.peer.map(|p| p.ip())))
            .map_err(|d| d.to_string())
    }
}

impl ConnectionHandler for ControlHandler {
    fn accept(&self, connection: Connection, generation: Arc<Generation>) {
        let options = match self.options(&generation, &connection) {
            Ok(options) => options,
            Err(e) => return tracing::error!(error = %e, "Cannot serve a console connection"),
        };
        tokio::spawn(serve(connection, generation, options));
    }
}

async fn serve(connection: Connection, generation: Arc<Generation>, options: ControlOptions) {
    let Some(server) = generation.services.server() else {
        return;
    };
    let unix_uid = match &connection.stream {
        NetStream::Unix(stream) => Some(stream.peer_cred().map(|c| c.uid()).unwrap_or(u32::MAX)),
        NetStream::Tcp(_) => None,
    };
    let (read, mut write) = tokio::io::split(connection.stream);
    let mut read = BufReader::new(read);
    let login = match login(&mut read, &mut write, &generation, &options, unix_uid).await {
        Ok(login) => login,
        Err(reason) => {
            tracing::info!(peer = ?connection.peer, reason = %reason, "Console login refused");
            let _ = write_frame(&mut write, Status::Err, &format!("{reason}\n")).await;
            return;
        }
    };
    if write_frame(
        &mut write,
        Status::Ok,
        &format!("Impetus console, logged in as {}\n", login.user),
    )
    .await
    .is_err()
    {
        return;
    }
    let idle = Duration::from_secs(options.timeout.0.max(1));
    loop {
        let line = match tokio::time::timeout(idle, read_line(&mut read)).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) | Ok(Err(_)) => return,
            Err(_) => {
                let _ = write_frame(
                    &mut write,
                    Status::Err,
                    "Timeout: closing the idle console session.\n",
                )
                .await;
                return;
            }
        };
        let command = line.trim();
        if command == "quit" || command == "exit" {
            return;
        }
        let allowed = login
            .allowed
            .as_ref()
            .is_none_or(|rules| command.is_empty() || rules.iter().any(|r| r.is_match(command)));
        let outcome = if allowed {
            tracing::debug!(user = %login.user, command, "Console command");
            commands::run(&server, command)
        } else {
            tracing::warn!(user = %login.user, command, "Console command not authorized");
            Err("Not Authorized for this command".into())
        };
        let written = match outcome {
            Ok(body) => write_frame(&mut write, Status::Ok, &body).await,
            Err(body) => {
                write_frame(&mut write, Status::Err, &format!("{}\n", body.trim_end())).await
            }
        };
        if written.is_err() {
            return;
        }
    }
}

async fn login<R, W>(
    read: &mut R,
    write: &mut W,
    generation: &Generation,
    options: &ControlOptions,
    unix_uid: Option<u32>,
) -> Result<Login, String>
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    if options.always_deny {
        return Err("Access denied".into());
    }
    let user = match unix_uid {
        Some(uid) if auth::trusted_uid(uid) => auth::user_name(uid),
        Some(uid) => {
            return Err(format!(
                "Access denied: uid {uid} is neither root nor the server's user"
            ));
        }
        None if options.always_allow => "anonymous".into(),
        None => {
            let dict = options
                .authdigestmd5parameters
                .as_ref()
                .ok_or("Authorization required for console session")?;
            let params = AuthParams::from_dict(dict)?;
            let scheme = generation
                .credential_scheme(params.scheme())
                .ok_or_else(|| format!("unknown credential scheme in {}", params.uri))?;
            let backend = scheme.open(&params)?;
            auth::digest_login(read, write, &AuthSource { backend, params }).await?
        }
    };
    let allowed = match &options.authorizationparameters {
        None => None,
        Some(dict) => {
            let params = AuthParams::from_dict(dict)?;
            let roles = auth::roles_of(std::path::Path::new(params.location()), &user)?;
            Some(allowed_commands(&generation.config, &roles))
        }
    };
    Ok(Login { user, allowed })
}

/// The `allow` regexes of `roles` (invalid ones are skipped and logged).
fn allowed_commands(config: &Config, roles: &[String]) -> Vec<Regex> {
    let mut rules = Vec::new();
    for authorization in config.scopes("authorization") {
        for role in authorization.children_of_kind("role") {
            if !role.instance.as_ref().is_some_and(|r| roles.contains(r)) {
                continue;
            }
            let resolved = impetus_config::Resolved::new(vec![role], config.schema());
            for pattern in RoleOptions::read(&resolved)
                .map(|o| o.allow)
                .unwrap_or_default()
            {
                match Regex::new(&pattern) {
                    Ok(regex) => rules.push(regex),
                    Err(e) => tracing::error!(pattern, error = %e, "Invalid console allow pattern"),
                }
            }
        }
    }
    rules
}
