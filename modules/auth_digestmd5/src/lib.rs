//! The `auth_digestmd5` module: SASL DIGEST-MD5 (RFC 2831) for `AuthDigestMD5Parameters`, the
//! mechanism Momentum's XMPP listener offered. RFC 6331 made it historic, so it is offered only
//! when an admin configures those parameters. Secrets are H(user:realm:password), never cleartext.
#![warn(missing_docs)]

use std::sync::Arc;

use impetus_config::{Diagnostic, ModuleDecl};
use impetus_runtime::auth::{AuthSource, SaslContext, SaslExchange, SaslMechanism, SaslStep};
use impetus_runtime::{Module, ModuleContext, ModuleSpec, Protocol, Registrar};
use impetus_xmpp_proto::sasl::SaslFailure;
use impetus_xmpp_proto::sasl::digest_md5::DigestMd5Server;

/// The module, as listed in the binary's built-in list.
pub static MODULE: ModuleSpec = ModuleSpec {
    decl: ModuleDecl {
        name: "auth_digestmd5",
        singleton: true,
        depends: &[],
        scopes: &[],
        options: &[],
        doc: "SASL DIGEST-MD5 against the listener's AuthDigestMD5Parameters source.",
    },
    protocols: &[Protocol {
        spec: "RFC 2831",
        status: "DIGEST-MD5 (historic; only when configured)",
    }],
    configure,
};

struct AuthDigestMd5;

impl Module for AuthDigestMd5 {}

fn configure(
    _: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    registrar.sasl_mechanism(Arc::new(DigestMd5));
    Ok(Arc::new(AuthDigestMd5))
}

/// The DIGEST-MD5 mechanism.
pub struct DigestMd5;

impl SaslMechanism for DigestMd5 {
    fn name(&self) -> &'static str {
        "DIGEST-MD5"
    }

    fn offered(&self, context: &SaslContext) -> bool {
        (context.tls || context.allow_without_tls)
            && context
                .digest
                .as_ref()
                .is_some_and(|s| s.backend.has_digest())
    }

    fn start(&self, context: &SaslContext) -> Box<dyn SaslExchange> {
        let realm = context
            .digest
            .as_ref()
            .and_then(|s| s.params.realm.clone())
            .unwrap_or_else(|| context.domain.clone());
        Box::new(DigestExchange {
            server: DigestMd5Server::new(&realm, &context.domain),
            realm,
            source: context.digest.clone(),
            domain: context.domain.clone(),
            stage: Stage::Challenge,
        })
    }

    fn server_first(&self) -> bool {
        true
    }
}

enum Stage {
    Challenge,
    Response,
    Acknowledge(String),
}

struct DigestExchange {
    server: DigestMd5Server,
    realm: String,
    source: Option<AuthSource>,
    domain: String,
    stage: Stage,
}

impl SaslExchange for DigestExchange {
    fn step(&mut self, input: &[u8]) -> SaslStep {
        match std::mem::replace(&mut self.stage, Stage::Response) {
            Stage::Challenge => SaslStep::Challenge(self.server.challenge()),
            Stage::Response => {
                let username = match self.server.response(input) {
                    Ok(username) => username,
                    Err(failure) => return SaslStep::Failure(failure, None),
                };
                let secret = match &self.source {
                    Some(source) => match source.backend.lookup(&self.domain, &username) {
                        Ok(found) => found.and_then(|s| {
                            s.digest_md5()
                                .filter(|d| d.realm == self.realm)
                                .map(|d| d.ha1)
                        }),
                        Err(e) => {
                            return SaslStep::Failure(
                                SaslFailure::TemporaryAuthFailure,
                                Some(e.to_string()),
                            );
                        }
                    },
                    None => None,
                };
                let Some(ha1) = secret else {
                    return SaslStep::Failure(SaslFailure::NotAuthorized, None);
                };
                match self.server.verify(&ha1) {
                    Ok(rspauth) => {
                        self.stage = Stage::Acknowledge(username);
                        SaslStep::Challenge(rspauth)
                    }
                    Err(failure) => SaslStep::Failure(failure, None),
                }
            }
            // RFC 2831 §2.1.3: the client answers rspauth with an empty response.
            Stage::Acknowledge(username) => SaslStep::Success {
                username,
                data: None,
            },
        }
    }
}
