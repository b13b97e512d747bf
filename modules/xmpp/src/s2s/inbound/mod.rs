//! Streams other servers open to us (RFC 6120, XEP-0220, XEP-0178), handed over by the c2s
//! side when a header on an `xmpp_listener` socket says `jabber:server`. STARTTLS asks for an
//! optional client certificate; SASL EXTERNAL is offered when it is valid for the peer's
//! domain; dialback keys are checked with the originating domain's authoritative server over a
//! separate connection (`auth.rs`). Stanzas are accepted only from a verified domain to a
//! hosted one.

mod auth;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use impetus_runtime::Generation;
use impetus_xml::{Element, Limits, StreamEvent, StreamHeader, StreamReader};
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stream_error::{StreamErrorCondition, stream_error};
use rustls::pki_types::CertificateDer;
use tokio::sync::mpsc;

use super::dialback::Outcome;
use super::options::TlsMode;
use super::outgoing::{self, Failure};
use super::policy::{self, RemotePolicy};
use super::pool::InboundGuard;
use super::renamespace;
use super::stream::{ReadError, XmlStream, header};
use super::verify::{self, Verdict};
use crate::c2s::settings::ConnSettings;
use crate::c2s::transport::Transport;
use crate::c2s::{new_id, stream::check_header};
use crate::route;
use crate::state::XmppState;

/// What the loop does after an event was handled (and the output written).
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Continue,
    StartTls,
    Restart,
    Close,
}

/// The answer of an authoritative server about one dialback key.
struct Verification {
    remote: String,
    local: String,
    result: Result<Outcome, Failure>,
}

struct Inbound {
    state: Arc<XmppState>,
    generation: Arc<Generation>,
    settings: ConnSettings,
    peer: String,
    out: String,
    header_sent: bool,
    local: Option<String>,
    hint: Option<String>,
    stream_id: String,
    tls: bool,
    certificates: Vec<CertificateDer<'static>>,
    external: Option<String>,
    verified: BTreeSet<(String, String)>,
    verifications: mpsc::UnboundedSender<Verification>,
    guard: InboundGuard,
}

/// Runs an inbound s2s stream whose first header was read by the c2s side.
pub async fn serve(
    transport: Transport,
    reader: StreamReader,
    first: StreamHeader,
    state: Arc<XmppState>,
    generation: Arc<Generation>,
    settings: ConnSettings,
    peer: String,
) {
    let tls = transport.is_tls();
    let certificates = transport.peer_certificates().unwrap_or_default();
    let limits: Limits = settings.limits.clone();
    let mut stream = XmlStream::new(Box::new(transport), reader, limits);
    stream.tls = tls;
    let (sender, mut verifications) = mpsc::unbounded_channel();
    let guard = state.s2s.pool.register_inbound(&peer);
    guard.update(|s| s.tls = tls);
    let shutdown = generation.services.shutdown.clone();
    let idle = settings
        .idle
        .unwrap_or(Duration::from_secs(365 * 24 * 3600));
    let mut inbound = Inbound {
        state,
        generation,
        settings,
        peer,
        out: String::new(),
        header_sent: false,
        local: None,
        hint: None,
        stream_id: String::new(),
        tls,
        certificates,
        external: None,
        verified: BTreeSet::new(),
        verifications: sender,
        guard,
    };
    let mut next = inbound.on_header(&first);
    loop {
        if !inbound.out.is_empty() {
            let written = stream.send(&inbound.out).await;
            inbound.out.clear();
            if written.is_err() {
                return;
            }
        }
        match next {
            Next::Continue => {}
            Next::Close => break,
            Next::Restart => stream.restart(),
            Next::StartTls => {
                let Some(config) = inbound.tls_config() else {
                    break;
                };
                if stream.has_buffered() {
                    break;
                }
                stream =
                    match tokio::time::timeout(Duration::from_secs(30), stream.accept_tls(config))
                        .await
                    {
                        Ok(Ok(upgraded)) => upgraded,
                        _ => return,
                    };
                inbound.tls = true;
                inbound.certificates = stream.peer_certificates.clone();
                inbound.header_sent = false;
                inbound.guard.update(|s| s.tls = true);
            }
        }
        next = tokio::select! {
            event = tokio::time::timeout(idle, stream.next()) => match event {
                Err(_) => inbound.fail(StreamErrorCondition::ConnectionTimeout, Some("idle_time exceeded")),
                Ok(Ok(event)) => inbound.on_event(event),
                Ok(Err(ReadError::Xml(error))) => {
                    let condition = StreamErrorCondition::from_name(error.condition())
                        .unwrap_or(StreamErrorCondition::NotWellFormed);
                    inbound.fail(condition, Some(&error.to_string()))
                }
                Ok(Err(_)) => break,
            },
            Some(verification) = verifications.recv() => inbound.on_verification(verification),
            _ = shutdown.wait() => inbound.fail(StreamErrorCondition::SystemShutdown, None),
        };
    }
    stream.close(&std::mem::take(&mut inbound.out)).await;
}

impl Inbound {
    fn config(&self) -> &impetus_config::Config {
        &self.generation.config
    }

    fn tls_config(&self) -> Option<Arc<rustls::ServerConfig>> {
        let listener = self.settings.tls.as_ref()?;
        match self.state.s2s.pool.inbound_tls.config(listener) {
            Ok(config) => Some(config),
            Err(e) => {
                tracing::error!(target: "mod_xmpp", error = %e, "Cannot build the s2s TLS configuration");
                None
            }
        }
    }

    fn policy(&self, domain: &str) -> Option<RemotePolicy> {
        policy::remote(
            self.config(),
            domain,
            self.state.s2s.settings.allow_unlisted,
        )
        .ok()
    }

    /// What the peer's certificate proves about `domain`, under `domain`'s `tls_ca`.
    fn verdict(&self, domain: &str, policy: &RemotePolicy) -> Verdict {
        if !self.tls {
            return Verdict::Missing;
        }
        match self.state.s2s.anchors(policy.ca.as_deref()).as_ref() {
            Ok(anchors) => verify::check(&self.certificates, domain, anchors),
            Err(e) => Verdict::Untrusted(e.clone()),
        }
    }

    fn fail(&mut self, condition: StreamErrorCondition, text: Option<&str>) -> Next {
        if !self.header_sent {
            let from = self
                .local
                .clone()
                .or_else(|| self.state.default_host().map(str::to_owned))
                .unwrap_or_else(|| "localhost".into());
            self.out.push_str(&header(&from, None, Some(&new_id())));
            self.header_sent = true;
        }
        tracing::debug!(target: "mod_xmpp", peer = %self.peer, condition = condition.name(), text = text.unwrap_or(""), "Closing an inbound s2s stream with an error");
        stream_error(condition, text).write_to(ns::SERVER, &mut self.out);
        self.out.push_str("</stream:stream>");
        Next::Close
    }

    fn on_event(&mut self, event: StreamEvent) -> Next {
        match event {
            StreamEvent::Header(opened) => self.on_header(&opened),
            StreamEvent::Stanza(element) => self.on_element(element),
            StreamEvent::Close => {
                self.out.push_str("</stream:stream>");
                Next::Close
            }
        }
    }

    fn on_header(&mut self, opened: &StreamHeader) -> Next {
        let request = match check_header(opened) {
            Ok(request) => request,
            Err((condition, text)) => return self.fail(condition, Some(text)),
        };
        if request.default_ns != ns::SERVER {
            return self.fail(
                StreamErrorCondition::InvalidNamespace,
                Some("expected a jabber:server stream"),
            );
        }
        let local = match request
            .to
            .or_else(|| self.state.default_host().map(str::to_owned))
        {
            Some(to) if self.state.hosts(&to) => to,
            _ => {
                return self.fail(
                    StreamErrorCondition::HostUnknown,
                    Some("this server does not host that domain"),
                );
            }
        };
        if self
            .local
            .as_ref()
            .is_some_and(|previous| *previous != local)
        {
            return self.fail(
                StreamErrorCondition::HostUnknown,
                Some("the domain changed on stream restart"),
            );
        }
        self.hint = opened
            .attr("from")
            .map(|from| from.trim_end_matches('.').to_ascii_lowercase());
        self.stream_id = new_id();
        self.out
            .push_str(&header(&local, self.hint.as_deref(), Some(&self.stream_id)));
        self.header_sent = true;
        self.local = Some(local);
        let features = self.features();
        features.write_to(ns::SERVER, &mut self.out);
        Next::Continue
    }

    fn features(&self) -> Element {
        let mut features = Element::new("features", ns::STREAMS);
        if self.external.is_some() {
            return features;
        }
        let hinted = self
            .hint
            .as_deref()
            .and_then(|hint| Some((hint, self.policy(hint)?)));
        let tls_required = match &hinted {
            Some((_, policy)) => policy.tls == TlsMode::Required,
            None => self.settings.tls_required,
        };
        if !self.tls && self.settings.tls.is_some() {
            let mut starttls = Element::new("starttls", ns::TLS);
            if tls_required {
                starttls.push_child(Element::new("required", ns::TLS));
            }
            features.push_child(starttls);
        }
        if let Some((hint, policy)) = &hinted
            && policy.federates
            && self.verdict(hint, policy) == Verdict::Valid
        {
            features.push_child(
                Element::new("mechanisms", ns::SASL)
                    .with_child(Element::new("mechanism", ns::SASL).with_text("EXTERNAL")),
            );
        }
        if self.tls || !tls_required || self.settings.tls.is_none() {
            features.push_child(
                Element::new("dialback", ns::DIALBACK_FEATURE)
                    .with_child(Element::new("errors", ns::DIALBACK_FEATURE)),
            );
        }
        features
    }

    fn on_element(&mut self, element: Element) -> Next {
        match (element.ns.as_str(), element.name.as_str()) {
            (ns::TLS, "starttls") => {
                if self.tls || self.settings.tls.is_none() {
                    Element::new("failure", ns::TLS).write_to(ns::SERVER, &mut self.out);
                    self.out.push_str("</stream:stream>");
                    return Next::Close;
                }
                Element::new("proceed", ns::TLS).write_to(ns::SERVER, &mut self.out);
                Next::StartTls
            }
            (ns::SASL, "auth") => self.on_auth(&element),
            (ns::DIALBACK, "result") => self.on_db_result(&element),
            (ns::DIALBACK, "verify") => self.on_db_verify(&element),
            (ns::STREAMS, "error") => {
                tracing::info!(target: "mod_xmpp", peer = %self.peer, error = %outgoing::describe_error(&element), "Inbound s2s stream error from the remote server");
                self.out.push_str("</stream:stream>");
                Next::Close
            }
            (ns::SERVER, "message" | "presence" | "iq") => self.on_stanza(element),
            _ => self.fail(StreamErrorCondition::UnsupportedStanzaType, None),
        }
    }

    fn on_stanza(&mut self, mut stanza: Element) -> Next {
        let jid = |name| stanza.attr(name).and_then(|v| Jid::parse(v).ok());
        let (Some(from), Some(to)) = (jid("from"), jid("to")) else {
            return self.fail(
                StreamErrorCondition::ImproperAddressing,
                Some("stanzas need valid from and to"),
            );
        };
        let (remote, local) = (
            from.domain().to_ascii_lowercase(),
            to.domain().to_ascii_lowercase(),
        );
        if !self.verified.iter().any(|(r, _)| *r == remote) {
            return self.fail(
                StreamErrorCondition::InvalidFrom,
                Some("that domain was not verified on this stream"),
            );
        }
        if !self.state.hosts(&local) {
            return self.fail(
                StreamErrorCondition::HostUnknown,
                Some("this server does not host that domain"),
            );
        }
        if !self.verified.contains(&(remote, local)) {
            return self.fail(
                StreamErrorCondition::ImproperAddressing,
                Some("that domain pair was not verified on this stream"),
            );
        }
        renamespace(&mut stanza, ns::SERVER, ns::CLIENT);
        stanza.set_attr("from", from.to_string());
        stanza.set_attr("to", to.to_string());
        route::route(&self.state, &self.generation, stanza);
        Next::Continue
    }
}

fn domain_attr(element: &Element, name: &str) -> Option<String> {
    element
        .attr(name)
        .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}
