//! Options of server-to-server federation (spec §5.2, §5.3, §9.3): the module-wide ones, valid
//! in the `xmpp {}` stanza or at top level, and the per-remote-domain ones of `Domain` scopes.
//! The only place the s2s side declares options.

use std::path::PathBuf;

use impetus_config::types::Seconds;
use impetus_config::{config_enum, declare_options};

config_enum! {
    /// TLS on server-to-server streams with a domain (Momentum's outbound `tls`).
    pub enum TlsMode { No = "no", IfAvailable = "ifavailable", Required = "required" }
}

config_enum! {
    /// Certificate checks on server-to-server streams with a domain (Momentum's `tls_verify`).
    pub enum TlsVerify { No = "no", Ca = "ca", Host = "host" }
}

declare_options! {
    /// Module-wide server-to-server options (in `xmpp {}` or at top level).
    pub struct S2sOptions {
        /// Impetus: also federate with domains that have no `XMPP_Role = "client"` Domain stanza
        /// (spec §9.3); off, only domains configured with that role are reached or accepted.
        s2s_allow_unlisted_domains: bool = "false", scopes [xmpp, global];
        /// Impetus: DNS servers for the SRV and address lookups of outgoing s2s, each "ip" or
        /// "ip:port"; empty uses the system's resolver configuration (/etc/resolv.conf).
        s2s_nameservers: Vec<String> = "()", scopes [xmpp, global];
        /// Impetus: SOCKS5 proxy ("host:port", e.g. Tor's "127.0.0.1:9050") through which
        /// outgoing s2s to `.onion` domains is made; without it `.onion` domains are unreachable.
        s2s_socks5_proxy: Option<String> = none, scopes [xmpp, global];
        /// Impetus: seconds to establish an outgoing s2s connection (resolve, connect, TLS,
        /// authenticate); queued stanzas then bounce with remote-server-timeout.
        s2s_connect_timeout: Seconds = "30", scopes [xmpp, global];
        /// Impetus: seconds an outgoing s2s connection stays open with nothing to send.
        s2s_idle_time: Seconds = "600", scopes [xmpp, global];
        /// Impetus: stanzas queued for one remote domain at most; more bounce with
        /// resource-constraint.
        s2s_max_queue: u32 = "10000", scopes [xmpp, global];
    }
}

declare_options! {
    /// Server-to-server options of a `Domain` scope naming a remote domain (Momentum's
    /// outbound TLS options, spec §5.3; for XMPP domains the defaults are strict).
    pub struct S2sDomainOptions {
        /// Impetus: static route for s2s to this domain, "host:port" ("127.0.0.1:5270",
        /// "[::1]:5269", "xmpp.example.net:5269"), or "xmpps://host:port" for direct TLS
        /// (XEP-0368); replaces the SRV lookup.
        xmpp_route: Option<String> = none, scopes [domain];
        /// TLS on s2s streams with this domain: `no`, `ifavailable` (used when offered) or
        /// `required` (the default for XMPP domains).
        tls: TlsMode = "required", scopes [domain, global];
        /// CA bundle (PEM) that certificates of this domain's servers must chain to; unset,
        /// the system bundle /etc/ssl/certs/ca-certificates.crt.
        tls_ca: Option<PathBuf> = none, scopes [domain, global];
        /// Certificate checks for this domain: `no`, `ca` (chains to `tls_ca`) or `host`
        /// (chains and names the domain; the default). Relaxed, dialback alone authenticates.
        tls_verify: TlsVerify = "host", scopes [domain, global];
    }
}
