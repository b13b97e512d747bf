//! Accepting a connection on an `xmpp_listener` socket: resolve the options for this peer
//! (Listen::Peer → Listen → listener::Peer → listener → global), apply the Peer refusal
//! (`enable = false`, an Impetus extension) before any byte is read, then run the session.

use std::sync::Arc;
use std::time::Duration;

use impetus_runtime::Generation;
use impetus_runtime::listener::{Connection, ConnectionHandler};
use impetus_runtime::tls::{ClientVerify, TlsSettings};
use impetus_xml::Limits;

use crate::c2s::{self, settings::ConnSettings};
use crate::options::{ListenerOptions, TlsVerifyMode};
use crate::state::XmppState;

/// The handler registered for one `Listen` of one `xmpp_listener`.
pub struct XmppListener {
    state: Arc<XmppState>,
    listener_index: usize,
    listen_index: usize,
}

impl XmppListener {
    /// A handler for the `listen_index`-th Listen of the `listener_index`-th xmpp_listener.
    pub fn new(state: Arc<XmppState>, listener_index: usize, listen_index: usize) -> Self {
        XmppListener {
            state,
            listener_index,
            listen_index,
        }
    }

    fn settings(
        &self,
        generation: &Generation,
        connection: &Connection,
    ) -> Result<ConnSettings, String> {
        let config = &generation.config;
        let listener = config
            .scopes("xmpp_listener")
            .nth(self.listener_index)
            .ok_or("the listener is gone from the configuration")?;
        let view = config.listener(listener);
        let listens = view.listens();
        let listen = listens
            .get(self.listen_index)
            .ok_or("the Listen is gone from the configuration")?;
        let peer_ip = connection.peer.map(|p| p.ip());
        let options = ListenerOptions::read(&listen.resolve(peer_ip)).map_err(|d| d.to_string())?;
        let tls = match &options.tls_certificate {
            Some(certificate) => {
                let settings = TlsSettings {
                    certificate: Some(certificate.clone()),
                    key: options.tls_key.clone(),
                    ciphers: options.tls_ciphers.clone(),
                    client_ca: options.tls_client_ca.clone(),
                    verify: match options.tls_verify_mode {
                        TlsVerifyMode::None => ClientVerify::None,
                        TlsVerifyMode::Optional => ClientVerify::Optional,
                        TlsVerifyMode::Require => ClientVerify::Require,
                    },
                    alpn: if options.tls_direct {
                        // XEP-0368: clients and, for s2s, other servers.
                        vec![b"xmpp-client".to_vec(), b"xmpp-server".to_vec()]
                    } else {
                        Vec::new()
                    },
                    sni: self.state.sni.clone(),
                    self_signed_fallback: options
                        .tls_self_signed
                        .then(|| self.state.hosts.iter().cloned().collect()),
                };
                Some(self.state.tls.get(&settings).map_err(|e| e.to_string())?)
            }
            None => None,
        };
        let source = |dict: &Option<impetus_config::types::Dict>| {
            dict.as_ref()
                .and_then(|d| impetus_runtime::auth::AuthParams::from_dict(d).ok())
                .and_then(|params| self.state.source(&params, generation))
        };
        Ok(ConnSettings {
            refused: !options.enable,
            idle: (options.idle_time.0 > 0).then(|| Duration::from_secs(options.idle_time.0)),
            tls,
            tls_required: options.tls_required,
            direct_tls: options.tls_direct,
            sasl_without_tls: options.sasl_without_tls,
            limits: Limits {
                max_stanza_bytes: options.max_stanza_size.0.min(usize::MAX as u64) as usize,
                max_depth: options.max_stanza_depth as usize,
                ..Limits::default()
            },
            plain: source(&options.authplainparameters),
            digest: source(&options.authdigestmd5parameters),
            allow_registration: options.allow_registration,
            registration_throttle: (
                options.registration_throttle.count,
                options.registration_throttle.seconds,
            ),
            stanza_rate: (options.stanza_rate.count, options.stanza_rate.seconds),
        })
    }
}

impl ConnectionHandler for XmppListener {
    fn accept(&self, connection: Connection, generation: Arc<Generation>) {
        let settings = match self.settings(&generation, &connection) {
            Ok(settings) => settings,
            Err(error) => {
                tracing::error!(listen = %connection.local, error = %error, "Cannot serve the connection");
                return;
            }
        };
        if settings.refused {
            tracing::info!(listen = %connection.local, peer = ?connection.peer, "Connection refused by a Peer scope (enable = false)");
            return;
        }
        if settings.direct_tls && settings.tls.is_none() {
            tracing::error!(listen = %connection.local, "tls_direct is set but no tls_certificate is configured");
            return;
        }
        tokio::spawn(c2s::serve(
            connection,
            self.state.clone(),
            generation,
            settings,
        ));
    }
}
