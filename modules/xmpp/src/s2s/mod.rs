//! Server-to-server federation (RFC 6120, XEP-0220 dialback, XEP-0178 SASL EXTERNAL, XEP-0368
//! direct TLS), configured per domain as Momentum does (spec §5): `XMPP_Role = "client"` domains
//! are federated with, `XMPP_Dialback_Secret` keys dialback, `tls`/`tls_ca`/`tls_verify` say how
//! strict TLS is (strict by default).
//!
//! - `options.rs`: the s2s options; `policy.rs`: reading them for one domain.
//! - `inbound/`: streams other servers open to us (handed over by the c2s side when the
//!   header says `jabber:server`); `inbound/auth.rs`: SASL EXTERNAL and dialback on them.
//! - `outgoing.rs`: opening and authenticating a stream to another server, and asking an
//!   authoritative server to verify a dialback key.
//! - `queue.rs`: one outgoing link per (local, remote) domain pair: its queue and its task;
//!   `pool.rs`: the process-wide table of links and inbound streams.
//! - `resolve.rs`: SRV and address lookups; `socks.rs`: SOCKS5 for `.onion` domains.
//! - `dialback.rs`: keys and elements; `verify.rs`: certificate checks; `tls.rs`: rustls
//!   configurations; `stream.rs`: an XML stream over any transport.

pub mod dialback;
pub mod inbound;
pub mod options;
pub mod outgoing;
pub mod policy;
pub mod pool;
pub mod queue;
pub mod resolve;
pub mod socks;
pub mod stream;
pub mod tls;
pub mod verify;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use impetus_config::{Config, Diagnostic, ScopeNode};
use impetus_runtime::Generation;
use impetus_xml::{Element, Node};
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use parking_lot::Mutex;

use crate::state::XmppState;
use options::S2sOptions;
use pool::{Enqueued, Pool};
use tls::CertificateFiles;

/// The module-wide s2s settings, read from [`S2sOptions`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// `s2s_allow_unlisted_domains`.
    pub allow_unlisted: bool,
    /// `s2s_nameservers`.
    pub nameservers: Vec<SocketAddr>,
    /// `s2s_socks5_proxy`.
    pub socks5_proxy: Option<String>,
    /// `s2s_connect_timeout`.
    pub connect_timeout: Duration,
    /// `s2s_idle_time`.
    pub idle_time: Duration,
    /// `s2s_max_queue`.
    pub max_queue: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_unlisted: false,
            nameservers: Vec::new(),
            socks5_proxy: None,
            connect_timeout: Duration::from_secs(30),
            idle_time: Duration::from_secs(600),
            max_queue: 10_000,
        }
    }
}

impl Settings {
    /// Reads the settings of the `xmpp {}` stanza (falling back to top level), and checks every
    /// `xmpp_route` of the Domain scopes; all problems are reported.
    pub fn read(config: &Config, stanza: &ScopeNode) -> Result<Settings, Vec<Diagnostic>> {
        let options = S2sOptions::read(&config.module(stanza)).map_err(|d| vec![d])?;
        let mut diagnostics = Vec::new();
        let mut nameservers = Vec::new();
        let location = stanza
            .get("s2s_nameservers")
            .or_else(|| config.root().get("s2s_nameservers"))
            .map_or_else(|| stanza.location.clone(), |o| o.location.clone());
        for entry in &options.s2s_nameservers {
            match resolve::parse_nameserver(entry) {
                Ok(address) => nameservers.push(address),
                Err(message) => diagnostics.push(Diagnostic::error(location.clone(), message)),
            }
        }
        for (_, node) in config.domains() {
            if let Some(option) = node.get("xmpp_route")
                && let Some(Err(message)) = option.value.as_scalar().map(resolve::parse_route)
            {
                diagnostics.push(Diagnostic::error(option.location.clone(), message));
            }
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        Ok(Settings {
            allow_unlisted: options.s2s_allow_unlisted_domains,
            nameservers,
            socks5_proxy: options.s2s_socks5_proxy,
            connect_timeout: Duration::from_secs(options.s2s_connect_timeout.0.max(1)),
            idle_time: Duration::from_secs(options.s2s_idle_time.0.max(1)),
            max_queue: options.s2s_max_queue.max(1) as usize,
        })
    }
}

/// The certificates this server presents on outgoing s2s: per hosted domain (its Domain
/// scope's `tls_certificate`), else the first listener's.
#[derive(Debug, Clone, Default)]
pub struct Certificates {
    /// By lowercase hosted domain.
    pub by_domain: HashMap<String, CertificateFiles>,
    /// The fallback.
    pub default: Option<CertificateFiles>,
}

/// The s2s side of one configuration generation.
pub struct S2s {
    /// Module-wide settings.
    pub settings: Settings,
    /// Links and inbound streams (process-wide).
    pub pool: Arc<Pool>,
    certificates: Certificates,
    roots: verify::RootStore,
    resolver: resolve::Resolver,
    client_tls: Mutex<HashMap<(String, bool), Arc<rustls::ClientConfig>>>,
    generation: OnceLock<Weak<Generation>>,
}

impl S2s {
    /// The s2s side for a generation.
    pub fn new(settings: Settings, pool: Arc<Pool>, certificates: Certificates) -> Self {
        S2s {
            resolver: resolve::Resolver::new(settings.nameservers.clone()),
            settings,
            pool,
            certificates,
            roots: verify::RootStore::default(),
            client_tls: Mutex::new(HashMap::new()),
            generation: OnceLock::new(),
        }
    }

    /// Records the generation this belongs to (when the module starts), so outgoing links can
    /// outlive the call that created them.
    pub fn attach(&self, generation: &Arc<Generation>) {
        let _ = self.generation.set(Arc::downgrade(generation));
    }

    /// The rustls client configuration presenting `local`'s certificate.
    pub fn client_tls(
        &self,
        local: &str,
        direct: bool,
    ) -> Result<Arc<rustls::ClientConfig>, String> {
        let key = (local.to_owned(), direct);
        if let Some(found) = self.client_tls.lock().get(&key) {
            return Ok(found.clone());
        }
        let files = self
            .certificates
            .by_domain
            .get(local)
            .or(self.certificates.default.as_ref());
        let config = tls::client_config(files, direct).map_err(|e| e.to_string())?;
        self.client_tls.lock().insert(key, config.clone());
        Ok(config)
    }

    /// Trust anchors for a domain's `tls_ca`.
    pub fn anchors(&self, ca: Option<&std::path::Path>) -> Arc<verify::Anchors> {
        self.roots.anchors(ca)
    }

    /// The resolver.
    pub fn resolver(&self) -> &resolve::Resolver {
        &self.resolver
    }
}

/// Sends a stanza (with a trusted `from`) to a JID of a domain not hosted here: queued on the
/// link of its (sender domain, recipient domain) pair, or bounced with remote-server-not-found
/// when the domain is not federated with.
pub fn send(state: &XmppState, generation: &Generation, stanza: Element, to: &Jid) {
    let s2s = &state.s2s;
    let remote = to.domain().to_ascii_lowercase();
    let local = match stanza.attr("from").and_then(|f| Jid::parse(f).ok()) {
        Some(from) if state.hosts(from.domain()) => from.domain().to_ascii_lowercase(),
        // Never relay between two other servers.
        _ => return,
    };
    let refuse = |stanza: &Element, text: String| {
        bounce(
            state,
            generation,
            stanza,
            StanzaErrorCondition::RemoteServerNotFound,
            &text,
        );
    };
    if !s2s.pool.has_link(&local, &remote) {
        match policy::remote(&generation.config, &remote, s2s.settings.allow_unlisted) {
            Ok(policy) if policy.federates => {}
            Ok(_) => {
                return refuse(
                    &stanza,
                    format!("this server does not federate with {remote}"),
                );
            }
            Err(e) => return refuse(&stanza, e),
        }
    }
    match s2s
        .pool
        .enqueue(&local, &remote, stanza, s2s.settings.max_queue)
    {
        Enqueued::Queued => {}
        Enqueued::Full(stanza) => bounce(
            state,
            generation,
            &stanza,
            StanzaErrorCondition::ResourceConstraint,
            &format!("too many stanzas are waiting for {remote}"),
        ),
        Enqueued::Started(link) => {
            let owned = s2s
                .generation
                .get()
                .and_then(Weak::upgrade)
                .zip(XmppState::of(generation));
            match (owned, tokio::runtime::Handle::try_current()) {
                (Some((generation, state)), Ok(runtime)) => {
                    runtime.spawn(queue::run(link, state, generation));
                }
                _ => {
                    for stanza in s2s.pool.abandon(&link) {
                        refuse(&stanza, "server-to-server is not running".into());
                    }
                }
            }
        }
    }
}

/// Answers `stanza` with an error carrying `text` (never answers an error).
pub fn bounce(
    state: &XmppState,
    generation: &Generation,
    stanza: &Element,
    condition: StanzaErrorCondition,
    text: &str,
) {
    if let Some(reply) = error_reply(stanza, &StanzaError::new(condition).with_text(text)) {
        crate::route::route(state, generation, reply);
    }
}

/// Moves `element` and the descendants that inherit its namespace from `from` to `to`
/// (`jabber:client` ↔ `jabber:server`); children in other namespaces keep theirs.
pub fn renamespace(element: &mut Element, from: &str, to: &str) {
    if element.ns != from {
        return;
    }
    element.ns = to.to_owned();
    for child in &mut element.children {
        if let Node::Element(child) = child {
            renamespace(child, from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xmpp_proto::ns;

    #[test]
    fn renamespace_moves_inherited_elements_only() {
        let mut message = Element::new("message", ns::CLIENT)
            .with_child(Element::new("body", ns::CLIENT).with_text("hi"))
            .with_child(
                Element::new("forwarded", ns::FORWARD)
                    .with_child(Element::new("message", ns::CLIENT)),
            );
        renamespace(&mut message, ns::CLIENT, ns::SERVER);
        assert_eq!(
            message.to_string_in(ns::SERVER),
            "<message><body>hi</body><forwarded xmlns=\"urn:xmpp:forward:0\"><message xmlns=\"jabber:client\"/></forwarded></message>"
        );
    }
}
