//! Options and scopes the core itself provides: the global options it reads, `Domain`,
//! `ThreadPool` and `external_module` scopes.

use std::path::PathBuf;

use impetus_config::types::{Dict, ListenAddr, Perms, Seconds};
use impetus_config::{InstanceRule, ModuleDecl, ScopeSpec, declare_options};

declare_options! {
    /// Global options the core reads.
    pub struct CoreOptions {
        /// Directory for the embedded store and other state (Momentum's spool directory).
        spool_base: PathBuf = "/var/spool/impetus", scopes [global];
        /// Loopback address (`"127.0.0.1:9090"`) serving Prometheus metrics at `/metrics`;
        /// unset serves none. Non-loopback addresses are refused: the endpoint has no login.
        metrics_listen: Option<ListenAddr> = none, scopes [global];
    }
}

declare_options! {
    /// Options of an `external_module "name" { path = "..." }` scope.
    pub struct ExternalModuleOptions {
        /// Path of the shared object exporting `impetus_module_entry` (the versioned C ABI).
        path: Option<PathBuf> = none, scopes [external_module];
    }
}

declare_options! {
    /// Options of a `ThreadPool "name" {}` scope, accepted for compatibility: tokio schedules
    /// every task, so pools are names only.
    pub struct ThreadPoolOptions {
        /// Threads in the pool (informational).
        concurrency: u32 = "0", scopes [threadpool];
    }
}

declare_options! {
    /// Options of the `Control_Listener` scope and its `Listen` / `Peer` children (the console).
    pub struct ControlOptions {
        /// Seconds a console session may stay idle before it is closed.
        timeout: Seconds = "60", scopes [control_listener, listen];
        /// DIGEST-MD5 parameters for console logins over TCP: `[ uri = "digest:///path" realm = "..." ]`.
        authdigestmd5parameters: Option<Dict> = none, scopes [control_listener, listen, peer];
        /// Role membership for authorization: `[ uri = "groups:///path" ]` with `role:user1,user2` lines.
        authorizationparameters: Option<Dict> = none, scopes [control_listener, listen];
        /// Permissions of a Unix-domain console socket.
        file_mode: Perms = "0660", scopes [control_listener, listen];
        /// Turn the console listener or one of its sockets off.
        enable: bool = "true", scopes [control_listener, listen];
        /// Let every connection from this scope in without authentication.
        always_allow: bool = "false", scopes [control_listener, listen, peer];
        /// Refuse every connection from this scope.
        always_deny: bool = "false", scopes [control_listener, listen, peer];
    }
}

declare_options! {
    /// Options of `Authorization { Role "name" { ... } }`.
    pub struct RoleOptions {
        /// Regular expressions; a console command matching one of them is allowed for the role.
        allow: Vec<String> = "()", scopes [role];
    }
}

static CORE_SCOPES: [ScopeSpec; 8] = [
    ScopeSpec {
        name: "domain",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "Per-domain options; `#xmpp#name` names are XMPP domains (multi-protocol naming).",
    },
    ScopeSpec {
        name: "threadpool",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "A named thread pool (accepted for compatibility).",
    },
    ScopeSpec {
        name: "control_listener",
        parents: &["global"],
        instance: InstanceRule::Forbidden,
        provided_by: None,
        doc: "The console listener: ec_console connects to its Listen sockets.",
    },
    ScopeSpec {
        name: "listen",
        parents: &["control_listener"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "One console socket: a Unix path (OS-user trust) or an address (DIGEST-MD5).",
    },
    ScopeSpec {
        name: "peer",
        parents: &["control_listener", "listen"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "An ACL for a CIDR range on the console listener.",
    },
    ScopeSpec {
        name: "authorization",
        parents: &["global"],
        instance: InstanceRule::Forbidden,
        provided_by: None,
        doc: "Console roles and the commands they may run.",
    },
    ScopeSpec {
        name: "role",
        parents: &["authorization"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "A console role: `allow = ( \"^summary$\" \"^config\" )`.",
    },
    ScopeSpec {
        name: "external_module",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "Loads a module from a shared object before the configuration is validated.",
    },
];

static CORE_OPTIONS: std::sync::LazyLock<Vec<impetus_config::OptionSpec>> =
    std::sync::LazyLock::new(|| {
        CoreOptions::SPECS
            .iter()
            .chain(ExternalModuleOptions::SPECS)
            .chain(ThreadPoolOptions::SPECS)
            .chain(ControlOptions::SPECS)
            .chain(RoleOptions::SPECS)
            .copied()
            .collect()
    });

/// The core's declarations (scopes and options that belong to no module stanza).
pub fn core_decl() -> ModuleDecl {
    ModuleDecl {
        name: "core",
        singleton: true,
        depends: &[],
        scopes: &CORE_SCOPES,
        options: CORE_OPTIONS.as_slice(),
        doc: "The Impetus core.",
    }
}
