//! How the peer of an inbound stream proves its domain (XEP-0178, XEP-0220): SASL EXTERNAL
//! with a certificate valid for it, or a dialback request checked with the domain's
//! authoritative server in the background; and, as the authoritative server for our own
//! domains, answering `db:verify` on any inbound stream.

use base64::Engine;
use impetus_xml::Element;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::sasl::{SaslFailure, failure_element};
use impetus_xmpp_proto::stanza_error::StanzaErrorCondition;
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

use super::{Inbound, Next, Verification, domain_attr};
use crate::s2s::dialback::{self, DbBody, DbElement, Outcome};
use crate::s2s::options::TlsMode;
use crate::s2s::outgoing::{self, Failure};
use crate::s2s::policy;
use crate::s2s::verify::Verdict;

impl Inbound {
    fn sasl_failure(&mut self, failure: SaslFailure, text: &str) -> Next {
        failure_element(failure, Some(text)).write_to(ns::SERVER, &mut self.out);
        Next::Continue
    }

    /// SASL EXTERNAL (XEP-0178 §3): the authorization identity (or, if empty, the header's
    /// `from`) must be named by the peer's valid certificate.
    pub(super) fn on_auth(&mut self, auth: &Element) -> Next {
        if auth.attr("mechanism") != Some("EXTERNAL") || self.external.is_some() {
            return self.sasl_failure(SaslFailure::InvalidMechanism, "only EXTERNAL is offered");
        }
        if !self.tls {
            return self.sasl_failure(SaslFailure::EncryptionRequired, "use STARTTLS first");
        }
        let text = auth.text();
        let claimed = match text.trim() {
            "" | "=" => self.hint.clone(),
            encoded => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|d| d.trim_end_matches('.').to_ascii_lowercase()),
        };
        let (Some(domain), Some(local)) = (claimed, self.local.clone()) else {
            return self.sasl_failure(SaslFailure::InvalidAuthzid, "no domain to authorize");
        };
        let verdict = match self.policy(&domain) {
            Some(policy) if policy.federates => self.verdict(&domain, &policy),
            _ => {
                return self.sasl_failure(
                    SaslFailure::NotAuthorized,
                    "this server does not federate with that domain",
                );
            }
        };
        if verdict != Verdict::Valid {
            return self.sasl_failure(SaslFailure::NotAuthorized, &verdict.describe());
        }
        Element::new("success", ns::SASL).write_to(ns::SERVER, &mut self.out);
        tracing::info!(target: "mod_xmpp", peer = %self.peer, remote = %domain, %local, "Inbound s2s stream authenticated with SASL EXTERNAL");
        self.verified.insert((domain.clone(), local.clone()));
        self.external = Some(domain.clone());
        self.guard.update(|s| {
            s.auth = Some("EXTERNAL");
            s.domains.push((domain, local));
        });
        self.header_sent = false;
        Next::Restart
    }

    fn answer(
        &mut self,
        name: &'static str,
        from: &str,
        to: &str,
        id: Option<&str>,
        outcome: Outcome,
    ) {
        self.out.push_str(
            &DbElement {
                name,
                from,
                to,
                id,
                body: DbBody::Outcome(outcome),
            }
            .write(),
        );
    }

    /// A dialback request from an originating server (XEP-0220 §2.1.1): checked against policy,
    /// then verified with its authoritative server in the background.
    pub(super) fn on_db_result(&mut self, request: &Element) -> Next {
        if dialback::outcome(request).is_some() {
            return Next::Continue;
        }
        let (Some(remote), Some(local)) =
            (domain_attr(request, "from"), domain_attr(request, "to"))
        else {
            return self.fail(
                StreamErrorCondition::ImproperAddressing,
                Some("db:result needs from and to"),
            );
        };
        let refuse = |condition| Outcome::Error(condition);
        let outcome = if !self.state.hosts(&local) {
            Some(refuse(StanzaErrorCondition::ItemNotFound))
        } else {
            match self.policy(&remote) {
                Some(policy) if policy.federates => {
                    let verdict = self.verdict(&remote, &policy);
                    if policy.tls == TlsMode::Required && !self.tls {
                        Some(refuse(StanzaErrorCondition::PolicyViolation))
                    } else if !verdict.acceptable(policy.verify) {
                        tracing::warn!(target: "mod_xmpp", peer = %self.peer, %remote, reason = %verdict.describe(), "Refused dialback from a server with a bad certificate");
                        Some(refuse(StanzaErrorCondition::NotAuthorized))
                    } else if self.verified.contains(&(remote.clone(), local.clone())) {
                        Some(Outcome::Valid)
                    } else {
                        None
                    }
                }
                _ => Some(refuse(StanzaErrorCondition::Forbidden)),
            }
        };
        if let Some(outcome) = outcome {
            self.answer("result", &local, &remote, None, outcome);
            return Next::Continue;
        }
        let s2s = self.state.s2s.clone();
        let generation = self.generation.clone();
        let sender = self.verifications.clone();
        let (id, key) = (self.stream_id.clone(), request.text());
        tokio::spawn(async move {
            let timeout = s2s.settings.connect_timeout;
            let result = tokio::time::timeout(
                timeout,
                outgoing::verify_key(&s2s, &generation.config, &local, &remote, &id, key.trim()),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Timeout(format!(
                    "no answer from {remote}'s authoritative server"
                )))
            });
            let _ = sender.send(Verification {
                remote,
                local,
                result,
            });
        });
        Next::Continue
    }

    pub(super) fn on_verification(&mut self, verification: Verification) -> Next {
        let Verification {
            remote,
            local,
            result,
        } = verification;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(failure) => {
                tracing::info!(target: "mod_xmpp", peer = %self.peer, %remote, error = %failure, "Cannot verify a dialback key");
                Outcome::Error(failure.condition())
            }
        };
        if outcome == Outcome::Valid {
            tracing::info!(target: "mod_xmpp", peer = %self.peer, %remote, %local, "Inbound s2s stream authenticated with dialback");
            self.verified.insert((remote.clone(), local.clone()));
            let pair = (remote.clone(), local.clone());
            self.guard.update(|s| {
                s.auth.get_or_insert("dialback");
                s.domains.push(pair);
            });
        }
        self.answer("result", &local, &remote, None, outcome);
        Next::Continue
    }

    /// A receiving server asks whether we (authoritative for the hosted `to`) issued a key.
    pub(super) fn on_db_verify(&mut self, request: &Element) -> Next {
        let (Some(receiving), Some(originating), Some(id)) = (
            domain_attr(request, "from"),
            domain_attr(request, "to"),
            request.attr("id"),
        ) else {
            return self.fail(
                StreamErrorCondition::ImproperAddressing,
                Some("db:verify needs from, to and id"),
            );
        };
        let secret = policy::secret(
            self.config(),
            &originating,
            &receiving,
            &self.state.s2s.pool.secret,
        );
        let valid = self.state.hosts(&originating)
            && dialback::key_matches(&secret, &receiving, &originating, id, &request.text());
        let outcome = if valid {
            Outcome::Valid
        } else {
            Outcome::Invalid
        };
        tracing::debug!(target: "mod_xmpp", peer = %self.peer, %receiving, %originating, valid, "Answered a dialback verification");
        self.answer("verify", &originating, &receiving, Some(id), outcome);
        Next::Continue
    }
}
