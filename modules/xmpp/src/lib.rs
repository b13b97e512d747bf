//! The `xmpp` module (seed 001, spec §3 and §5): turns `xmpp_listener` sockets into an XMPP
//! server. Client streams per RFC 6120 (STARTTLS, SASL through the `auth_*` modules, resource
//! binding) and routing per RFC 6121 §8; the `Domain` options `XMPP_Role` and
//! `XMPP_Dialback_Secret` say which domains are hosted.
//!
//! # Layout
//! - `options.rs`: every option of `xmpp_listener`, `Listen`, `Peer` and the domain options.
//! - `configure.rs`: reading the config into an `XmppState` and listener registrations.
//! - `listener.rs`: accepting a connection: Peer ACL, per-connection settings, the session task.
//! - `hooks.rs`: the XMPP hook points; `features.rs`: stream features other modules add.
//! - `c2s/`: client sessions; `route.rs`: routing; `router.rs`: the session table;
//!   `mailbox.rs`: what is queued for one session;
//!   `offline.rs`: XEP-0160; `iq/`: server IQ handlers; `clock.rs`: timestamps.
//! - `s2s/`: federation (inbound and outgoing server streams, dialback, SRV, queues).
#![warn(missing_docs)]

pub mod c2s;
mod clock;
mod configure;
mod console;
pub mod features;
pub mod hooks;
pub mod iq;
mod listener;
pub mod mailbox;
pub mod offline;
pub mod options;
pub mod route;
pub mod router;
pub mod s2s;
pub mod state;

use impetus_config::{InstanceRule, ModuleDecl, ScopeSpec};
use impetus_runtime::{ModuleSpec, Protocol};

/// The scopes the xmpp module provides.
static SCOPES: [ScopeSpec; 3] = [
    ScopeSpec {
        name: "xmpp_listener",
        parents: &["global"],
        instance: InstanceRule::Forbidden,
        provided_by: Some("xmpp"),
        doc: "The XMPP listener: accepts client and server streams on its Listen sockets.",
    },
    ScopeSpec {
        name: "listen",
        parents: &["xmpp_listener"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "One socket: \"*:5222\", \"[::]:5222\", \"127.0.0.1:5222\" or a Unix path.",
    },
    ScopeSpec {
        name: "peer",
        parents: &["xmpp_listener", "listen"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "An ACL for a CIDR range; the longest prefix wins.",
    },
];

/// The options of both declaration blocks.
static OPTIONS: std::sync::LazyLock<Vec<impetus_config::OptionSpec>> =
    std::sync::LazyLock::new(|| {
        options::ListenerOptions::SPECS
            .iter()
            .chain(options::DomainOptions::SPECS)
            .chain(s2s::options::S2sOptions::SPECS)
            .chain(s2s::options::S2sDomainOptions::SPECS)
            .copied()
            .collect()
    });

/// The module, as listed in the binary's built-in list.
pub static MODULE: std::sync::LazyLock<ModuleSpec> = std::sync::LazyLock::new(|| ModuleSpec {
    decl: ModuleDecl {
        name: "xmpp",
        singleton: true,
        depends: &[],
        scopes: &SCOPES,
        options: OPTIONS.as_slice(),
        doc: "XMPP engine: client sessions, federation, routing, and the xmpp_listener.",
    },
    protocols: &[
        Protocol {
            spec: "RFC 6120",
            status: "client and server streams: STARTTLS, SASL, binding, stream and stanza errors",
        },
        Protocol {
            spec: "RFC 6121",
            status: "routing rules (§8); roster and presence through scriptlets",
        },
        Protocol {
            spec: "RFC 7622",
            status: "JIDs prepared with PRECIS",
        },
        Protocol {
            spec: "XEP-0030",
            status: "server disco#info and disco#items",
        },
        Protocol {
            spec: "XEP-0077",
            status: "registration, password change, removal (off by default)",
        },
        Protocol {
            spec: "XEP-0092",
            status: "server software version",
        },
        Protocol {
            spec: "XEP-0160",
            status: "offline messages",
        },
        Protocol {
            spec: "XEP-0199",
            status: "server ping",
        },
        Protocol {
            spec: "XEP-0202",
            status: "entity time",
        },
        Protocol {
            spec: "XEP-0203",
            status: "delay on offline messages",
        },
        Protocol {
            spec: "XEP-0368",
            status: "direct TLS listeners (c2s and s2s); _xmpps-server._tcp for outgoing s2s",
        },
        Protocol {
            spec: "XEP-0220",
            status: "server dialback both ways, verification over a separate connection",
        },
        Protocol {
            spec: "XEP-0185",
            status: "dialback keys: HMAC-SHA256 keyed with SHA-256(XMPP_Dialback_Secret)",
        },
        Protocol {
            spec: "XEP-0178",
            status: "SASL EXTERNAL with certificates on s2s",
        },
    ],
    configure: configure::configure,
});
