//! Stream negotiation before a resource is bound (RFC 6120 §5 STARTTLS, §6 SASL, §7 binding):
//! the header, the features offered at each stage, and the elements allowed before binding.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use impetus_runtime::auth::{SaslContext, SaslExchange, SaslStep};
use impetus_xml::{Element, StreamHeader};
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::sasl::{SaslFailure, failure_element};
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

use super::{Next, Session, new_id, stream};
use crate::hooks::{SESSION_BOUND, SessionEvent};
use crate::router::SessionHandle;

/// An authentication exchange in progress.
pub(crate) struct SaslInProgress {
    exchange: Box<dyn SaslExchange>,
    mechanism: &'static str,
}

/// Failed authentication attempts allowed before the stream is closed.
const MAX_SASL_FAILURES: u32 = 3;

impl Session {
    pub(super) fn on_header(&mut self, header: &StreamHeader) -> Next {
        let request = match stream::check_header(header) {
            Ok(request) => request,
            Err((condition, text)) => return self.fail(condition, Some(text)),
        };
        if request.default_ns == ns::SERVER {
            // Another server: the s2s side takes the connection over (spec §9.1).
            if self.domain.is_empty() {
                return Next::ServerStream(Box::new(header.clone()));
            }
            return self.fail(
                StreamErrorCondition::InvalidNamespace,
                Some("a client stream cannot restart as a server stream"),
            );
        }
        let domain = match request.to {
            Some(to) if self.state.hosts(&to) => to,
            Some(_) => {
                return self.fail(
                    StreamErrorCondition::HostUnknown,
                    Some("this server does not host that domain"),
                );
            }
            None => match self.state.default_host() {
                Some(host) => host.to_owned(),
                None => {
                    return self.fail(
                        StreamErrorCondition::HostUnknown,
                        Some("no domain is hosted here"),
                    );
                }
            },
        };
        if !self.domain.is_empty() && self.domain != domain {
            return self.fail(
                StreamErrorCondition::HostUnknown,
                Some("the domain changed on stream restart"),
            );
        }
        self.domain = domain;
        self.stream_id = new_id();
        self.out.push_str(&stream::header(
            &self.domain,
            &self.stream_id,
            self.default_ns,
        ));
        self.header_seen = true;
        let features = self.features();
        features.write_to(self.default_ns, &mut self.out);
        Next::Continue
    }

    fn sasl_context(&self) -> SaslContext {
        SaslContext {
            domain: self.domain.clone(),
            tls: self.tls,
            bindings: self.bindings.clone(),
            plain: self.settings.plain.clone(),
            digest: self.settings.digest.clone(),
            allow_without_tls: self.settings.sasl_without_tls,
        }
    }

    fn may_authenticate(&self) -> bool {
        self.tls
            || self.settings.sasl_without_tls
            || (!self.settings.tls_required && self.settings.tls.is_none())
    }

    fn features(&self) -> Element {
        let mut features = Element::new("features", ns::STREAMS);
        if self.username.is_some() {
            features.push_child(Element::new("bind", ns::BIND));
            features.push_child(
                Element::new("session", ns::SESSION)
                    .with_child(Element::new("optional", ns::SESSION)),
            );
            for extra in self.generation.provided::<crate::features::StreamFeature>() {
                features.push_child(extra.element.clone());
            }
            return features;
        }
        if !self.tls && self.settings.tls.is_some() {
            let mut starttls = Element::new("starttls", ns::TLS);
            if self.settings.tls_required {
                starttls.push_child(Element::new("required", ns::TLS));
            }
            features.push_child(starttls);
        }
        if self.may_authenticate() {
            let context = self.sasl_context();
            let mut mechanisms = Element::new("mechanisms", ns::SASL);
            for mechanism in self
                .generation
                .mechanisms()
                .iter()
                .filter(|m| m.offered(&context))
            {
                mechanisms
                    .push_child(Element::new("mechanism", ns::SASL).with_text(mechanism.name()));
            }
            features.push_child(mechanisms);
            if self.settings.allow_registration {
                features.push_child(Element::new("register", ns::REGISTER_FEATURE));
            }
        }
        features
    }

    /// Handles an element received before a resource is bound.
    pub(super) fn negotiate(&mut self, element: Element) -> Next {
        match (element.ns.as_str(), element.name.as_str()) {
            (ns::TLS, "starttls") => self.starttls(),
            (ns::SASL, "auth") => self.auth(&element),
            (ns::SASL, "response") => self.sasl_response(&element),
            (ns::SASL, "abort") => {
                self.sasl = None;
                self.sasl_failure(SaslFailure::Aborted, None)
            }
            (n, "iq") if n == self.default_ns => self.iq_before_bind(element),
            _ => self.fail(
                StreamErrorCondition::NotAuthorized,
                Some("authenticate and bind a resource first"),
            ),
        }
    }

    fn starttls(&mut self) -> Next {
        if self.tls || self.settings.tls.is_none() {
            Element::new("failure", ns::TLS).write_to(self.default_ns, &mut self.out);
            self.out.push_str("</stream:stream>");
            return Next::Close;
        }
        Element::new("proceed", ns::TLS).write_to(self.default_ns, &mut self.out);
        Next::StartTls
    }

    fn auth(&mut self, element: &Element) -> Next {
        if self.username.is_some() {
            return self.fail(
                StreamErrorCondition::PolicyViolation,
                Some("already authenticated"),
            );
        }
        if !self.may_authenticate() {
            return self.sasl_failure(SaslFailure::EncryptionRequired, Some("use STARTTLS first"));
        }
        let context = self.sasl_context();
        let requested = element.attr("mechanism").unwrap_or("");
        let Some(mechanism) = self
            .generation
            .mechanisms()
            .iter()
            .find(|m| m.name() == requested && m.offered(&context))
            .cloned()
        else {
            return self.sasl_failure(SaslFailure::InvalidMechanism, None);
        };
        self.sasl = Some(SaslInProgress {
            exchange: mechanism.start(&context),
            mechanism: mechanism.name(),
        });
        let text = element.text();
        if text.trim().is_empty() && mechanism.server_first() {
            return self.sasl_step("=");
        }
        if text.trim().is_empty() {
            // No initial response: ask for one with an empty challenge (RFC 6120 §6.4.2).
            Element::new("challenge", ns::SASL).write_to(self.default_ns, &mut self.out);
            return Next::Continue;
        }
        self.sasl_step(&text)
    }

    fn sasl_response(&mut self, element: &Element) -> Next {
        if self.sasl.is_none() {
            return self.sasl_failure(
                SaslFailure::MalformedRequest,
                Some("no authentication in progress"),
            );
        }
        self.sasl_step(&element.text())
    }

    fn sasl_step(&mut self, text: &str) -> Next {
        let text = text.trim();
        let data = if text == "=" {
            Vec::new()
        } else {
            match B64.decode(text) {
                Ok(data) => data,
                Err(_) => {
                    self.sasl = None;
                    return self.sasl_failure(SaslFailure::IncorrectEncoding, None);
                }
            }
        };
        let Some(progress) = self.sasl.as_mut() else {
            return self.sasl_failure(SaslFailure::MalformedRequest, None);
        };
        let mechanism = progress.mechanism;
        match progress.exchange.step(&data) {
            SaslStep::Challenge(challenge) => {
                Element::new("challenge", ns::SASL)
                    .with_text(&B64.encode(challenge))
                    .write_to(self.default_ns, &mut self.out);
                Next::Continue
            }
            SaslStep::Success { username, data } => {
                self.sasl = None;
                self.log_auth(mechanism, &username, true);
                let mut success = Element::new("success", ns::SASL);
                if let Some(data) = data {
                    success = success.with_text(&B64.encode(data));
                }
                success.write_to(self.default_ns, &mut self.out);
                self.username = Some(username);
                self.reader.reset();
                self.header_seen = false;
                Next::Continue
            }
            SaslStep::Failure(condition, text) => {
                self.sasl = None;
                self.log_auth(mechanism, "", false);
                self.sasl_failure(condition, text.as_deref())
            }
        }
    }

    fn log_auth(&self, mechanism: &str, username: &str, ok: bool) {
        if !ok {
            impetus_runtime::metrics::AUTH_FAILURES.inc(&[mechanism]);
        }
        let logged = self
            .settings
            .plain
            .iter()
            .chain(self.settings.digest.iter())
            .any(|s| s.params.log_authentication);
        if logged {
            tracing::info!(target: "xmpp::auth", peer = %self.peer, domain = %self.domain, mechanism, username, success = ok, "Authentication attempt");
        }
    }

    fn sasl_failure(&mut self, condition: SaslFailure, text: Option<&str>) -> Next {
        failure_element(condition, text).write_to(self.default_ns, &mut self.out);
        self.sasl_failures += 1;
        if self.sasl_failures >= MAX_SASL_FAILURES {
            self.out.push_str("</stream:stream>");
            return Next::Close;
        }
        Next::Continue
    }

    fn iq_before_bind(&mut self, iq: Element) -> Next {
        let bind = iq.attr("type") == Some("set") && iq.child("bind", ns::BIND).is_some();
        match (self.username.is_some(), bind) {
            (true, true) => self.bind(&iq),
            (true, false) => {
                if iq.child("session", ns::SESSION).is_some() {
                    // Legacy session establishment: accepted as a no-op (RFC 3921 §3).
                    self.reply(&impetus_xmpp_proto::stanza::iq_result(&iq));
                    return Next::Continue;
                }
                self.fail(
                    StreamErrorCondition::NotAuthorized,
                    Some("bind a resource first"),
                )
            }
            (false, _)
                if iq.child("query", ns::REGISTER).is_some()
                    && self.settings.allow_registration
                    && self.may_authenticate() =>
            {
                let applicant = crate::iq::register::Applicant {
                    domain: &self.domain,
                    ip: self.peer_ip,
                    throttle: self.settings.registration_throttle,
                };
                let reply = crate::iq::register::before_auth(&self.state, &applicant, &iq);
                self.reply(&reply);
                Next::Continue
            }
            (false, _) => self.fail(
                StreamErrorCondition::NotAuthorized,
                Some("authenticate first"),
            ),
        }
    }

    fn bind(&mut self, iq: &Element) -> Next {
        let Some(username) = self.username.clone() else {
            return self.fail(StreamErrorCondition::NotAuthorized, None);
        };
        let requested = iq
            .child("bind", ns::BIND)
            .and_then(|b| b.child("resource", ns::BIND))
            .map(|r| r.text())
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(new_id);
        let jid = Jid::parse(&format!("{username}@{}", self.domain))
            .and_then(|bare| bare.with_resource(&requested));
        let jid = match jid {
            Ok(jid) => jid,
            Err(e) => {
                let error =
                    StanzaError::new(StanzaErrorCondition::BadRequest).with_text(&e.to_string());
                if let Some(reply) = error_reply(iq, &error) {
                    self.reply(&reply);
                }
                return Next::Continue;
            }
        };
        let (handle, receiver) = SessionHandle::new(jid.clone(), self.peer.clone());
        if let Some(replaced) = self.state.router.bind(handle.clone()) {
            // RFC 6120 §7.7.2.2: the newer session wins; the older one gets <conflict/>.
            replaced.close(
                StreamErrorCondition::Conflict,
                Some("replaced by a new session".into()),
            );
        }
        self.handle = Some(handle.clone());
        self.receiver = Some(receiver);
        let result = impetus_xmpp_proto::stanza::iq_result(iq).with_child(
            Element::new("bind", ns::BIND)
                .with_child(Element::new("jid", ns::BIND).with_text(&jid.to_string())),
        );
        self.reply(&result);
        tracing::debug!(jid = %jid, peer = %self.peer, "Resource bound");
        let mut event = SessionEvent { session: handle };
        let _ = self.generation.run_hook(&SESSION_BOUND, &mut event);
        Next::Continue
    }

    /// Writes a stanza addressed to this session's own client.
    pub(crate) fn reply(&mut self, stanza: &Element) {
        stanza.write_to(self.default_ns, &mut self.out);
    }

    /// The session's handle, once bound.
    pub(crate) fn handle(&self) -> Option<&Arc<SessionHandle>> {
        self.handle.as_ref()
    }
}
