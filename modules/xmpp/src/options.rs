//! Options of the `xmpp_listener` scope and its `Listen` / `Peer` children (seed 001's table,
//! spec §3.2), plus the XMPP options of `Domain` scopes (spec §5.2). The only place the xmpp
//! module declares options.

use std::path::PathBuf;

use impetus_config::types::{Dict, Perms, Seconds, Size, Throttle};
use impetus_config::{config_enum, declare_options};

config_enum! {
    /// How client certificates are handled (`tls_verify_mode`).
    pub enum TlsVerifyMode { None = "none", Optional = "optional", Require = "require" }
}

declare_options! {
    /// Everything a connection on an `xmpp_listener` socket is configured with.
    pub struct ListenerOptions {
        /// The accept queue backlog (threaded accept); accepted and ignored: tokio accepts on its own task.
        accept_queue_backlog: u32 = "0", scopes [xmpp_listener, listen];
        /// SASL DIGEST-MD5 parameters: `[ uri = "..." realm = "..." log_authentication = true ]`.
        authdigestmd5parameters: Option<Dict> = none, scopes [xmpp_listener, listen, peer, pathway, pathway_group];
        /// SASL PLAIN parameters: `[ uri = "..." log_authentication = true ]`; the uri also feeds SCRAM.
        authplainparameters: Option<Dict> = none, scopes [xmpp_listener, listen, pathway, pathway_group];
        /// Number of accept threads; accepted for compatibility (accepting is asynchronous here).
        concurrency: u32 = "0", scopes [xmpp_listener, listen, threadpool];
        /// Set TCP_NODELAY on accepted sockets.
        disable_nagle_algorithm: bool = "false", scopes [xmpp_listener, listen, global];
        /// Turn the listener or one Listen socket off without deleting it; in a Peer (an Impetus
        /// extension) `enable = false` refuses connections from that range before TLS.
        enable: bool = "true", scopes [xmpp_listener, listen, peer];
        /// Limit on connections dispatched per iteration; accepted for compatibility.
        events_per_iter: u32 = "0", scopes [xmpp_listener, listen];
        /// Permissions of Unix-domain socket paths.
        file_mode: Perms = "0660", scopes [xmpp_listener, listen];
        /// Seconds of inactivity before a peer is disconnected; 0 never disconnects.
        idle_time: Seconds = "0", scopes [xmpp_listener, listen, peer, pathway, pathway_group];
        /// The listen(2) backlog.
        listen_backlog: u32 = "500", scopes [xmpp_listener, listen];
        /// The ThreadPool used for accepting; accepted for compatibility.
        pool_name: Option<String> = none, scopes [xmpp_listener, listen];
        /// TCP receive buffer size in bytes; 0 leaves the OS default.
        tcp_recv_buffer_size: Size = "0", scopes [xmpp_listener, listen];
        /// TCP send buffer size in bytes; 0 leaves the OS default.
        tcp_send_buffer_size: Size = "0", scopes [xmpp_listener, listen];
        /// Whether TLS renegotiation is allowed; rustls never renegotiates, so `true` has no effect.
        tls_allow_renegotiation: bool = "true", scopes [xmpp_listener, listen, peer];
        /// PEM certificate chain presented to peers; `none` cancels an inherited one.
        tls_certificate: Option<PathBuf> = none, scopes [xmpp_listener, listen, peer, domain, binding, binding_group, pathway, pathway_group];
        /// OpenSSL-style cipher list; names rustls does not support are warned about.
        tls_ciphers: Option<String> = none, scopes [xmpp_listener, listen, peer, domain, global, binding, binding_group, pathway, pathway_group];
        /// CA bundle used to verify client certificates.
        tls_client_ca: Option<PathBuf> = none, scopes [xmpp_listener, listen, peer, global, pathway, pathway_group];
        /// PEM private key; defaults to the certificate file.
        tls_key: Option<PathBuf> = none, scopes [xmpp_listener, listen, peer, domain, global, binding, binding_group, pathway, pathway_group];
        /// Client certificates: none, optional (verify if presented, record failures) or require.
        tls_verify_mode: TlsVerifyMode = "none", scopes [xmpp_listener, listen, peer, pathway, pathway_group];
        /// Impetus: require STARTTLS before authentication on plaintext ports (turn off only for loopback tests).
        tls_required: bool = "true", scopes [xmpp_listener, listen, peer];
        /// Impetus: serve TLS from the first byte (XEP-0368 direct TLS, usually port 5223).
        tls_direct: bool = "false", scopes [xmpp_listener, listen];
        /// Impetus: generate a self-signed certificate when tls_certificate is missing (for sample configs).
        tls_self_signed: bool = "false", scopes [xmpp_listener, listen];
        /// Impetus: offer SASL mechanisms before TLS (never do this off loopback).
        sasl_without_tls: bool = "false", scopes [xmpp_listener, listen, peer];
        /// Impetus: largest stanza accepted, in bytes; larger ones end the stream with policy-violation.
        max_stanza_size: Size = "262144", scopes [xmpp_listener, listen];
        /// Impetus: deepest element nesting accepted inside a stanza.
        max_stanza_depth: u32 = "64", scopes [xmpp_listener, listen];
        /// Impetus: allow in-band registration (XEP-0077) of new accounts.
        allow_registration: bool = "false", scopes [xmpp_listener, listen, peer];
        /// Impetus: accounts one IP address may register, as "count/seconds".
        registration_throttle: Throttle = "5/3600", scopes [xmpp_listener, listen, peer];
        /// Impetus: stanzas one client session may send, as "count/seconds" (bursts up to count);
        /// a faster client is slowed down (the server stops reading its socket), not
        /// disconnected. "0/1" turns the limit off.
        stanza_rate: Throttle = "1000/1", scopes [xmpp_listener, listen, peer];
    }
}

declare_options! {
    /// XMPP options of a `Domain` scope (Momentum's Mobile options).
    pub struct DomainOptions {
        /// `server`: this server hosts the domain and accepts streams for it; `client`: outgoing
        /// server-to-server connections to it are allowed.
        xmpp_role: Option<String> = none, scopes [domain];
        /// Secret keying the server dialback hash (XEP-0220, keys per XEP-0185).
        xmpp_dialback_secret: Option<String> = none, scopes [domain];
    }
}
