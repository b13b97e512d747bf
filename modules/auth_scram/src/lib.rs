//! The `auth_scram` module: SASL SCRAM-SHA-1, SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802,
//! RFC 7677) and their -PLUS variants with `tls-exporter` (RFC 9266) or `tls-server-end-point`
//! (RFC 5929) channel binding, which seed 004 asks for. Offered whenever the credential source holds salted secrets; the server
//! only ever sees StoredKey/ServerKey, never a password.
#![warn(missing_docs)]

use std::sync::Arc;

use impetus_config::{Diagnostic, ModuleDecl};
use impetus_runtime::auth::{AuthSource, SaslContext, SaslExchange, SaslMechanism, SaslStep};
use impetus_runtime::{Module, ModuleContext, ModuleSpec, Protocol, Registrar};
use impetus_xmpp_proto::sasl::SaslFailure;
use impetus_xmpp_proto::sasl::scram::{CbType, ChannelBinding, ScramHash, ScramServer};

/// The module, as listed in the binary's built-in list.
pub static MODULE: ModuleSpec = ModuleSpec {
    decl: ModuleDecl {
        name: "auth_scram",
        singleton: true,
        depends: &[],
        scopes: &[],
        options: &[],
        doc: "SASL SCRAM-SHA-1/256/512 and -PLUS against the listener's credential source.",
    },
    protocols: &[
        Protocol {
            spec: "RFC 5802",
            status: "SCRAM-SHA-1, SCRAM-SHA-1-PLUS",
        },
        Protocol {
            spec: "RFC 7677",
            status: "SCRAM-SHA-256, SCRAM-SHA-256-PLUS",
        },
        Protocol {
            spec: "RFC 9266",
            status: "tls-exporter channel binding",
        },
        Protocol {
            spec: "RFC 5929",
            status: "tls-server-end-point channel binding",
        },
    ],
    configure,
};

struct AuthScram;

impl Module for AuthScram {}

fn configure(
    _: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    // Strongest first: clients pick the first mechanism they support in our order or theirs.
    for hash in [ScramHash::Sha512, ScramHash::Sha256, ScramHash::Sha1] {
        registrar.sasl_mechanism(Arc::new(Scram { hash, plus: true }));
        registrar.sasl_mechanism(Arc::new(Scram { hash, plus: false }));
    }
    Ok(Arc::new(AuthScram))
}

/// One SCRAM mechanism.
pub struct Scram {
    hash: ScramHash,
    plus: bool,
}

impl SaslMechanism for Scram {
    fn name(&self) -> &'static str {
        self.hash.mechanism(self.plus)
    }

    fn offered(&self, context: &SaslContext) -> bool {
        let secure = context.tls || context.allow_without_tls;
        let source = context
            .scram_source()
            .is_some_and(|s| s.backend.has_scram());
        let bindings = &context.bindings;
        let binding = !self.plus
            || bindings.tls_exporter.is_some()
            || bindings.tls_server_end_point.is_some();
        secure && source && binding
    }

    fn start(&self, context: &SaslContext) -> Box<dyn SaslExchange> {
        let bindings = &context.bindings;
        let data: Vec<(CbType, Vec<u8>)> = [
            (CbType::TlsExporter, bindings.tls_exporter.clone()),
            (
                CbType::TlsServerEndPoint,
                bindings.tls_server_end_point.clone(),
            ),
        ]
        .into_iter()
        .filter_map(|(cb_type, data)| Some((cb_type, data?)))
        .collect();
        let binding = ChannelBinding {
            server_supports_plus: !data.is_empty(),
            data,
        };
        Box::new(ScramExchange {
            server: ScramServer::new(self.hash, self.plus, binding),
            hash: self.hash,
            source: context.scram_source().cloned(),
            domain: context.domain.clone(),
            username: None,
        })
    }
}

struct ScramExchange {
    server: ScramServer,
    hash: ScramHash,
    source: Option<AuthSource>,
    domain: String,
    username: Option<String>,
}

impl SaslExchange for ScramExchange {
    fn step(&mut self, input: &[u8]) -> SaslStep {
        match self.username.clone() {
            None => {
                let username = match self.server.client_first(input) {
                    Ok(username) => username,
                    Err(failure) => return SaslStep::Failure(failure, None),
                };
                let secrets = match &self.source {
                    Some(source) => match source.backend.lookup(&self.domain, &username) {
                        Ok(found) => found,
                        Err(e) => {
                            return SaslStep::Failure(
                                SaslFailure::TemporaryAuthFailure,
                                Some(e.to_string()),
                            );
                        }
                    },
                    None => None,
                };
                let credentials = secrets.as_ref().and_then(|s| s.scram(self.hash));
                let challenge = self.server.server_first(credentials);
                self.username = Some(username);
                SaslStep::Challenge(challenge)
            }
            Some(username) => match self.server.client_final(input) {
                Ok(server_final) => SaslStep::Success {
                    username,
                    data: Some(server_final),
                },
                Err(failure) => SaslStep::Failure(failure, None),
            },
        }
    }
}
