//! The test schema shared by the golden (`bad.rs`) and good-config (`good.rs`) tests: a small
//! xmpp-like module set covering every value type.

use std::path::PathBuf;

use impetus_config::schema::GLOBAL;
use impetus_config::types::{
    DebugLevel, Dict, ListenAddr, PeerCidr, Perms, RegexValue, Seconds, Size, Throttle,
};
use impetus_config::{InstanceRule, ModuleDecl, Schema, ScopeSpec, config_enum, declare_options};

config_enum! {
    /// How to handle client certificates.
    pub enum TlsVerifyMode { None = "none", Optional = "optional", Require = "require" }
}

config_enum! {
    /// Which side of s2s Impetus plays for a domain.
    pub enum XmppRole { Server = "server", Client = "client" }
}

declare_options! {
    /// Core options at the top level.
    pub struct GlobalOptions {
        /// Where the pid file goes.
        pidfile: PathBuf = "/var/run/impetus.pid", scopes [global];
        /// Largest stanza accepted.
        max_stanza_size: Size = "64k", scopes [global];
        /// New connections allowed per interval.
        connection_throttle: Throttle = "60/1", scopes [global];
        /// Networks allowed to relay.
        relay_hosts: Vec<PeerCidr> = "( 127.0.0.1 ::1 )", scopes [global];
        /// Load factor for the scheduler.
        load_factor: f64 = "1.5", scopes [global];
        /// Clock adjustment in seconds (may be negative).
        clock_skew: i64 = "0", scopes [global];
        /// Upper bound on connections.
        max_connections: u64 = "10000", scopes [global];
        /// Local parts that are reserved.
        reserved_users: RegexValue = "\"^(postmaster|abuse)$\"", scopes [global];
        /// Where the admin console listens.
        console_address: ListenAddr = "/tmp/impetus.sock", scopes [global];
        /// Free-form context passed to scripts.
        context: Dict = "[ ]", scopes [global, domain];
        /// Minimum level written to the main log.
        log_level: DebugLevel = "ERROR", scopes [global];
        /// Threads in a pool.
        concurrency: u32 = "0", scopes [threadpool, listen, xmpp_listener];
    }
}

declare_options! {
    /// Options of a `Domain` stanza.
    pub struct DomainOptions {
        /// Server or client role for s2s.
        xmpp_role: Option<XmppRole> = none, scopes [domain];
        /// Secret for dialback keys.
        xmpp_dialback_secret: Option<String> = none, scopes [domain];
        /// Certificate for this domain.
        tls_certificate: Option<PathBuf> = none, scopes [xmpp_listener, listen, peer, domain], dynamic;
        /// OpenSSL-style cipher list.
        tls_ciphers: Option<String> = none, scopes [global, xmpp_listener, listen, peer, domain];
    }
}

declare_options! {
    /// Options of `xmpp_listener` and its `Listen` / `Peer` scopes.
    pub struct ListenerOptions {
        /// Seconds of inactivity before the peer is disconnected; 0 never disconnects.
        idle_time: Seconds = "0", scopes [xmpp_listener, listen, peer], dynamic;
        /// Backlog passed to listen(2).
        listen_backlog: u32 = "500", scopes [xmpp_listener, listen];
        /// Turns a listener or a Listen off without deleting it.
        enable: bool = "true", scopes [xmpp_listener, listen];
        /// Permissions of Unix-socket Listen paths.
        file_mode: Perms = "0660", scopes [xmpp_listener, listen];
        /// How to handle client certificates.
        tls_verify_mode: TlsVerifyMode = "none", scopes [xmpp_listener, listen, peer];
        /// Password source for SASL PLAIN.
        authplainparameters: Option<Dict> = none, scopes [xmpp_listener, listen];
        /// Sets TCP_NODELAY.
        disable_nagle_algorithm: bool = "false", scopes [global, xmpp_listener, listen];
        /// Receive buffer size; 0 leaves it to the OS.
        tcp_recv_buffer_size: Size = "4096", scopes [xmpp_listener, listen];
        /// Thread pool for accepting.
        pool_name: Option<String> = none, scopes [xmpp_listener, listen];
    }
}

declare_options! {
    /// Options of an `xmpp_logger` instance.
    pub struct LoggerOptions {
        /// Log file path.
        logfile: PathBuf = "/var/log/impetus/xmpplog.ec", scopes [xmpp_logger];
        /// Log file permissions.
        logmode: Perms = "0640", scopes [xmpp_logger];
    }
}

declare_options! {
    /// Options of `dkim_sign` and its `dk_domain` scopes.
    pub struct DkimOptions {
        /// DKIM selector.
        selector: Option<String> = none, scopes [dkim_sign, dk_domain];
        /// Private key file.
        keyfile: Option<PathBuf> = none, scopes [dkim_sign, dk_domain];
        /// Headers to sign.
        headers: Vec<String> = "( from to subject )", scopes [dkim_sign, dk_domain];
    }
}

const GLOBAL_ONLY: &[&str] = &[GLOBAL];

/// Core: global options, `Domain` and `ThreadPool`.
pub const CORE: ModuleDecl = ModuleDecl {
    name: "core",
    singleton: true,
    depends: &[],
    scopes: &[
        ScopeSpec {
            name: "domain",
            parents: GLOBAL_ONLY,
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "Per-domain settings.",
        },
        ScopeSpec {
            name: "threadpool",
            parents: GLOBAL_ONLY,
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "A named thread pool.",
        },
    ],
    options: GlobalOptions::SPECS,
    doc: "Core.",
};

/// Domain options are declared separately from the globals.
pub const DOMAIN: ModuleDecl = ModuleDecl {
    name: "domain",
    scopes: &[],
    options: DomainOptions::SPECS,
    ..CORE
};

/// The xmpp module: provides `xmpp_listener` > `listen` > `peer`.
pub const XMPP: ModuleDecl = ModuleDecl {
    name: "xmpp",
    singleton: true,
    depends: &[],
    scopes: &[
        ScopeSpec {
            name: "xmpp_listener",
            parents: GLOBAL_ONLY,
            instance: InstanceRule::Forbidden,
            provided_by: Some("xmpp"),
            doc: "The XMPP listener.",
        },
        ScopeSpec {
            name: "listen",
            parents: &["xmpp_listener"],
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "One socket.",
        },
        ScopeSpec {
            name: "peer",
            parents: &["xmpp_listener", "listen"],
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "A CIDR ACL.",
        },
    ],
    options: ListenerOptions::SPECS,
    doc: "XMPP.",
};

/// A non-singleton logger.
pub const XMPP_LOGGER: ModuleDecl = ModuleDecl {
    name: "xmpp_logger",
    singleton: false,
    depends: &[],
    scopes: &[],
    options: LoggerOptions::SPECS,
    doc: "XMPP logger.",
};

/// DKIM signing, with `dk_domain` sub-scopes; needs xmpp first.
pub const DKIM_SIGN: ModuleDecl = ModuleDecl {
    name: "dkim_sign",
    singleton: true,
    depends: &["xmpp"],
    scopes: &[ScopeSpec {
        name: "dk_domain",
        parents: &["dkim_sign"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "Per-domain DKIM.",
    }],
    options: DkimOptions::SPECS,
    doc: "DKIM signing.",
};

/// The schema every test validates against.
pub fn schema() -> Schema {
    Schema::new(&[&CORE, &DOMAIN], &[&XMPP, &XMPP_LOGGER, &DKIM_SIGN])
}
