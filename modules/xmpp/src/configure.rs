//! Configuring the xmpp module for one generation: hosted domains from `Domain` scopes, auth
//! sources from each listener's parameters, one socket registration per `Listen`, and the
//! built-in IQ handlers and disco features. Everything wrong is reported, not just the first.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use impetus_config::resolve::XMPP_PREFIX;
use impetus_config::types::Dict;
use impetus_config::{Config, Diagnostic, FromValue, ScopeNode};
use impetus_runtime::auth::{AuthParams, AuthSource};
use impetus_runtime::listener::{ListenRegistration, SocketOptions};
use impetus_runtime::tls::{SniCertificate, TlsCache};
use impetus_runtime::{Generation, Module, ModuleContext, Registrar};
use impetus_xmpp_proto::ns;

use crate::iq::{self, register::RegistrationThrottle};
use crate::listener::XmppListener;
use crate::options::{DomainOptions, ListenerOptions};
use crate::router::Router;
use crate::s2s::pool::Pool;
use crate::s2s::{Certificates, S2s};
use crate::state::XmppState;

/// The configured module instance.
struct Xmpp {
    state: Arc<XmppState>,
}

impl Module for Xmpp {
    fn start(&self, generation: &Arc<Generation>) -> Result<(), String> {
        self.state.s2s.attach(generation);
        Ok(())
    }

    fn command(&self, args: &[&str]) -> Option<Result<String, String>> {
        crate::console::command(&self.state, args)
    }

    fn summary(&self) -> Vec<(String, String)> {
        crate::console::summary(&self.state)
    }
}

/// `ModuleSpec::configure` of the xmpp module.
pub fn configure(
    context: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    let config = context.config;
    let mut diagnostics = Vec::new();
    let (hosts, sni) = domains(config, &mut diagnostics);
    let s2s_settings = crate::s2s::Settings::read(config, context.stanza)
        .map_err(|problems| diagnostics.extend(problems))
        .ok();
    let mut sources = HashMap::new();
    let mut sockets = Vec::new();
    for (listener_index, listener) in config.scopes("xmpp_listener").enumerate() {
        let view = config.listener(listener);
        let listens = view.listens();
        if listens.is_empty() {
            diagnostics.push(Diagnostic::warning(
                listener.location.clone(),
                "xmpp_listener has no Listen scope, so it accepts nothing",
            ));
        }
        for (listen_index, listen) in listens.iter().enumerate() {
            let options = match ListenerOptions::read(&listen.resolve_listen()) {
                Ok(options) => options,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            if options.authplainparameters.is_none() && options.authdigestmd5parameters.is_none() {
                diagnostics.push(Diagnostic::error(
                    listen.node.location.clone(),
                    "this xmpp_listener must use authentication: add AuthPlainParameters or AuthDigestMD5Parameters",
                ));
            }
            for dict in options
                .authplainparameters
                .iter()
                .chain(options.authdigestmd5parameters.iter())
            {
                open_source(dict, listen.node, registrar, &mut sources, &mut diagnostics);
            }
            if let Some(pool) = &options.pool_name
                && !config
                    .scopes("threadpool")
                    .any(|p| p.instance.as_deref() == Some(pool.as_str()))
            {
                // Momentum logs this as CRITICAL and falls back to its IO pool.
                diagnostics.push(Diagnostic::warning(
                    listen.node.location.clone(),
                    format!("pool_name '{pool}' names no ThreadPool scope; connections are accepted on the default pool"),
                ));
            }
            sockets.push((listener_index, listen_index, listen.addr.clone(), options));
        }
        // Peer-level DIGEST-MD5 parameters are sources too.
        for peer in peers(listener) {
            if let Some(dict) = peer
                .get("authdigestmd5parameters")
                .and_then(|v| Dict::from_value(v).ok())
            {
                open_source(&dict, peer, registrar, &mut sources, &mut diagnostics);
            }
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    for warning in &diagnostics {
        tracing::warn!("{warning}");
    }
    let services = context.services;
    let certificates = Certificates {
        by_domain: sni
            .iter()
            .map(|(domain, cert, key)| (domain.clone(), (cert.clone(), key.clone())))
            .collect(),
        default: sockets.iter().find_map(|(_, _, _, options)| {
            let cert = options.tls_certificate.clone()?;
            Some((cert, options.tls_key.clone()))
        }),
    };
    let s2s = S2s::new(
        s2s_settings.unwrap_or_default(),
        services.shared(Pool::default),
        certificates,
    );
    let state = Arc::new(XmppState {
        hosts,
        sni,
        sources: parking_lot::Mutex::new(sources),
        router: services.shared(Router::default),
        tls: services.shared(TlsCache::default),
        store: services.store.clone(),
        registration_throttle: services.shared(RegistrationThrottle::default),
        s2s: Arc::new(s2s),
    });
    for (listener_index, listen_index, addr, options) in sockets {
        registrar.listen(ListenRegistration {
            kind: "xmpp_listener".into(),
            addr,
            options: SocketOptions {
                backlog: options.listen_backlog,
                nodelay: options.disable_nagle_algorithm,
                recv_buffer: options.tcp_recv_buffer_size.0.min(u64::from(u32::MAX)) as u32,
                send_buffer: options.tcp_send_buffer_size.0.min(u64::from(u32::MAX)) as u32,
                file_mode: options.file_mode.0,
            },
            enabled: options.enable,
            handler: Arc::new(XmppListener::new(
                state.clone(),
                listener_index,
                listen_index,
            )),
        });
    }
    register_builtins(registrar);
    // Other modules (scriptlets) reach routing and the session table through the generation.
    registrar.provide(state.clone());
    Ok(Arc::new(Xmpp { state }))
}

fn peers(listener: &ScopeNode) -> impl Iterator<Item = &ScopeNode> {
    listener.children_of_kind("peer").chain(
        listener
            .children_of_kind("listen")
            .flat_map(|l| l.children_of_kind("peer")),
    )
}

fn open_source(
    dict: &Dict,
    node: &ScopeNode,
    registrar: &Registrar,
    sources: &mut HashMap<AuthParams, AuthSource>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let params = match AuthParams::from_dict(dict) {
        Ok(params) => params,
        Err(message) => return diagnostics.push(Diagnostic::error(node.location.clone(), message)),
    };
    if sources.contains_key(&params) {
        return;
    }
    let Some(scheme) = registrar.credential_scheme(params.scheme()) else {
        // Schemes registered later (by scriptlets) are looked up again at connection time.
        return;
    };
    match scheme.open(&params) {
        Ok(backend) => {
            sources.insert(params.clone(), AuthSource { backend, params });
        }
        Err(message) => diagnostics.push(Diagnostic::error(node.location.clone(), message)),
    }
}

/// Hosted domains (`XMPP_Role = "server"`) and per-domain certificates for SNI.
fn domains(
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> (BTreeSet<String>, Vec<SniCertificate>) {
    let mut hosts = BTreeSet::new();
    let mut sni = Vec::new();
    for (name, node) in config.domains() {
        // Multi-protocol naming (spec §5.1): `#smpp#x` and the like belong to other protocols.
        if node.instance.as_deref().is_some_and(|raw| {
            raw.starts_with('#') && !raw.to_ascii_lowercase().starts_with(XMPP_PREFIX)
        }) {
            continue;
        }
        let resolved = config.domain(name);
        match DomainOptions::read(&resolved) {
            Ok(options) => match options.xmpp_role.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("server") => {
                    hosts.insert(name.to_ascii_lowercase());
                }
                Some("client") | None => {}
                Some(other) => diagnostics.push(Diagnostic::error(
                    node.location.clone(),
                    format!("invalid value for 'XMPP_Role': expected \"server\" or \"client\", got '{other}'"),
                )),
            },
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
        if let Some(cert) = node
            .get("tls_certificate")
            .and_then(|v| v.value.as_scalar())
        {
            let key = node
                .get("tls_key")
                .and_then(|v| v.value.as_scalar())
                .map(Into::into);
            sni.push((name.to_ascii_lowercase(), cert.into(), key));
        }
    }
    (hosts, sni)
}

fn register_builtins(registrar: &mut Registrar) {
    for handler in [
        iq::disco::info_handler(),
        iq::disco::items_handler(),
        iq::ping::handler(),
        iq::version::handler(),
        iq::time::handler(),
        iq::register::handler(iq::IqTarget::Server),
        iq::register::handler(iq::IqTarget::Account),
    ] {
        registrar.feature(handler.namespace);
        registrar.provide(handler);
    }
    registrar.feature(ns::DELAY);
    registrar.feature(ns::OFFLINE);
}
