//! The `auth_plain` module: SASL PLAIN (RFC 4616) for `AuthPlainParameters`. Offered only on
//! encrypted streams (Momentum 3.5's "PLAIN authentication with TLS") unless the listener sets
//! `sasl_without_tls`; the password is checked against hashed secrets, never stored in clear.
#![warn(missing_docs)]

use std::sync::Arc;

use impetus_config::{Diagnostic, ModuleDecl};
use impetus_runtime::auth::{AuthSource, SaslContext, SaslExchange, SaslMechanism, SaslStep};
use impetus_runtime::{Module, ModuleContext, ModuleSpec, Protocol, Registrar};
use impetus_xmpp_proto::sasl::SaslFailure;
use impetus_xmpp_proto::sasl::plain::parse_plain;

/// The module, as listed in the binary's built-in list.
pub static MODULE: ModuleSpec = ModuleSpec {
    decl: ModuleDecl {
        name: "auth_plain",
        singleton: true,
        depends: &[],
        scopes: &[],
        options: &[],
        doc: "SASL PLAIN against the listener's AuthPlainParameters source.",
    },
    protocols: &[Protocol {
        spec: "RFC 4616",
        status: "PLAIN, over TLS only by default",
    }],
    configure,
};

struct AuthPlain;

impl Module for AuthPlain {}

fn configure(
    _: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    registrar.sasl_mechanism(Arc::new(Plain));
    Ok(Arc::new(AuthPlain))
}

/// The PLAIN mechanism.
pub struct Plain;

impl SaslMechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }

    fn offered(&self, context: &SaslContext) -> bool {
        context.plain.is_some() && (context.tls || context.allow_without_tls)
    }

    fn start(&self, context: &SaslContext) -> Box<dyn SaslExchange> {
        Box::new(PlainExchange {
            source: context.plain.clone(),
            domain: context.domain.clone(),
        })
    }
}

struct PlainExchange {
    source: Option<AuthSource>,
    domain: String,
}

impl SaslExchange for PlainExchange {
    fn step(&mut self, input: &[u8]) -> SaslStep {
        let message = match parse_plain(input) {
            Ok(message) => message,
            Err(failure) => return SaslStep::Failure(failure, None),
        };
        let own_jid = format!("{}@{}", message.authcid, self.domain);
        if message
            .authzid
            .as_deref()
            .is_some_and(|z| !z.is_empty() && z != message.authcid && z != own_jid)
        {
            return SaslStep::Failure(SaslFailure::InvalidAuthzid, None);
        }
        let Some(source) = &self.source else {
            return SaslStep::Failure(SaslFailure::TemporaryAuthFailure, None);
        };
        match source.backend.lookup(&self.domain, &message.authcid) {
            Ok(Some(secrets)) if secrets.check_password(&message.authcid, &message.password) => {
                SaslStep::Success {
                    username: message.authcid,
                    data: None,
                }
            }
            Ok(_) => SaslStep::Failure(SaslFailure::NotAuthorized, None),
            Err(e) => SaslStep::Failure(SaslFailure::TemporaryAuthFailure, Some(e.to_string())),
        }
    }
}
