//! What the xmpp module knows for one configuration generation: hosted domains, credential
//! sources opened from the listeners' auth parameters, the long-lived router and TLS cache, and
//! the s2s side.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use impetus_runtime::Generation;
use impetus_runtime::auth::{AuthParams, AuthSource, CredentialBackend};
use impetus_runtime::tls::{SniCertificate, TlsCache};
use impetus_storage::Store;
use impetus_xmpp_proto::jid::Jid;
use parking_lot::Mutex;

use crate::iq::register::RegistrationThrottle;
use crate::router::Router;

/// Per-generation state of the xmpp module.
pub struct XmppState {
    /// Domains with `XMPP_Role = "server"` (display names, lowercase).
    pub hosts: BTreeSet<String>,
    /// Per-domain certificates chosen by SNI.
    pub sni: Vec<SniCertificate>,
    /// Credential sources by auth parameters, opened once per generation.
    pub sources: Mutex<HashMap<AuthParams, AuthSource>>,
    /// The session table (process-wide).
    pub router: Arc<Router>,
    /// Built TLS configurations (process-wide).
    pub tls: Arc<TlsCache>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// In-band registrations per IP (process-wide).
    pub registration_throttle: Arc<RegistrationThrottle>,
    /// Federation: settings of this generation, links and inbound streams (process-wide).
    pub s2s: Arc<crate::s2s::S2s>,
}

impl XmppState {
    /// The xmpp module's state of `generation` (the module provides it while configuring), for
    /// other modules that route stanzas or read the session table.
    pub fn of(generation: &Generation) -> Option<Arc<XmppState>> {
        generation.provided::<Arc<XmppState>>().next().cloned()
    }

    /// Whether `domain` is hosted here.
    pub fn hosts(&self, domain: &str) -> bool {
        self.hosts.contains(domain)
    }

    /// The first hosted domain (the default for streams without `to`).
    pub fn default_host(&self) -> Option<&str> {
        self.hosts.iter().next().map(String::as_str)
    }

    /// The source for `params`, opening it through a scheme a module registered if needed.
    pub fn source(&self, params: &AuthParams, generation: &Generation) -> Option<AuthSource> {
        if let Some(found) = self.sources.lock().get(params) {
            return Some(found.clone());
        }
        let scheme = generation.credential_scheme(params.scheme())?;
        match scheme.open(params) {
            Ok(backend) => {
                let source = AuthSource {
                    backend,
                    params: params.clone(),
                };
                self.sources.lock().insert(params.clone(), source.clone());
                Some(source)
            }
            Err(e) => {
                tracing::error!(uri = %params.uri, error = %e, "Cannot open the credential source");
                None
            }
        }
    }

    /// Every distinct backend, in a stable order.
    pub fn backends(&self) -> Vec<Arc<dyn CredentialBackend>> {
        let sources = self.sources.lock();
        let mut ordered: Vec<_> = sources.values().collect();
        ordered.sort_by(|a, b| a.params.uri.cmp(&b.params.uri));
        let mut backends: Vec<Arc<dyn CredentialBackend>> = Vec::new();
        for source in ordered {
            if !backends.iter().any(|b| Arc::ptr_eq(b, &source.backend)) {
                backends.push(source.backend.clone());
            }
        }
        backends
    }

    /// Whether `jid`'s account exists in any configured backend.
    pub fn account_exists(&self, jid: &Jid) -> bool {
        let Some(node) = jid.node() else { return false };
        self.backends()
            .iter()
            .any(|b| matches!(b.lookup(jid.domain(), node), Ok(Some(_))))
    }

    /// The first writable backend (where registration creates accounts).
    pub fn writable_backend(&self) -> Option<Arc<dyn CredentialBackend>> {
        self.backends().into_iter().find(|b| b.writable())
    }
}
