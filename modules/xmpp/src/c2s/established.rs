//! Stanzas of a bound client session (RFC 6120 §8, RFC 6121 §4 and §8): stamp `from`, run the
//! `stanza/in` hook, handle the session's own presence, then route.

use impetus_runtime::Flow;
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza::{PresenceType, StanzaKind, kind_of, presence_type};
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

use super::{Next, Session};
use crate::hooks::{STANZA_IN, SessionEvent, StanzaEvent};
use crate::router::{Availability, SessionHandle};
use crate::{offline, route};

impl Session {
    /// Handles one stanza from a bound client.
    pub(super) fn on_stanza(&mut self, mut stanza: Element) -> Next {
        let Some(handle) = self.handle().cloned() else {
            return self.fail(StreamErrorCondition::NotAuthorized, None);
        };
        let Some(kind) = kind_of(&stanza).filter(|_| stanza.ns == self.default_ns) else {
            return self.fail(
                StreamErrorCondition::UnsupportedStanzaType,
                Some("only message, presence and iq are allowed"),
            );
        };
        if kind == StanzaKind::Iq
            && stanza.child("session", ns::SESSION).is_some()
            && stanza.attr("to").is_none()
        {
            self.reply(&impetus_xmpp_proto::stanza::iq_result(&stanza));
            return Next::Continue;
        }
        // The server stamps `from` on everything a client sends (RFC 6120 §8.1.2.1).
        stanza.set_attr("from", handle.jid.to_string());
        if let Some(to) = stanza.attr("to") {
            match Jid::parse(to) {
                Ok(jid) => stanza.set_attr("to", jid.to_string()),
                Err(e) => {
                    let error = StanzaError::new(StanzaErrorCondition::JidMalformed)
                        .with_text(&e.to_string());
                    if let Some(reply) = error_reply(&stanza, &error) {
                        self.reply(&reply);
                    }
                    return Next::Continue;
                }
            }
        }
        let mut event = StanzaEvent {
            session: Some(handle.clone()),
            from: handle.jid.clone(),
            stanza,
        };
        match self.generation.run_hook(&STANZA_IN, &mut event) {
            Ok(Flow::Done) => return Next::Continue,
            Ok(Flow::Continue) => {}
            Err(error) => {
                if let Some(reply) = error_reply(&event.stanza, &error) {
                    self.reply(&reply);
                }
                return Next::Continue;
            }
        }
        let stanza = event.stanza;
        if kind == StanzaKind::Presence && stanza.attr("to").is_none() {
            self.own_presence(&handle, stanza);
            return Next::Continue;
        }
        route::route(&self.state, &self.generation, stanza);
        Next::Continue
    }

    /// Presence without `to`: the resource's availability, broadcast to the user's resources
    /// (RFC 6121 §4.2.2, §4.5.2); contacts are reached by the roster scriptlet's hook.
    fn own_presence(&mut self, handle: &std::sync::Arc<SessionHandle>, stanza: Element) {
        let kind = presence_type(&stanza);
        let initial = handle.available().is_none();
        match kind {
            Some(PresenceType::Available) => {
                let priority = stanza
                    .child("priority", ns::CLIENT)
                    .and_then(|p| p.text().trim().parse::<i8>().ok())
                    .unwrap_or(0);
                *handle.availability.lock() = Some(Availability {
                    priority,
                    show: stanza
                        .child("show", ns::CLIENT)
                        .map(|s| s.text())
                        .unwrap_or_default(),
                    status: stanza
                        .child("status", ns::CLIENT)
                        .map(|s| s.text())
                        .unwrap_or_default(),
                });
            }
            Some(PresenceType::Unavailable) => *handle.availability.lock() = None,
            // Subscription management without a roster script: nothing to do (Momentum answers
            // roster requests only when the presence script is loaded).
            _ => return,
        }
        route::broadcast_to_own_resources(&self.state, &handle.jid, &stanza);
        if initial && kind == Some(PresenceType::Available) {
            offline::deliver(&self.state, handle);
        }
    }

    /// Removes the session from the routing table and announces it unavailable.
    pub(super) fn unbind(&mut self, handle: std::sync::Arc<SessionHandle>) {
        self.state.router.unbind(&handle);
        if handle.availability.lock().take().is_some() {
            let unavailable = Element::new("presence", ns::CLIENT)
                .with_attr("from", handle.jid.to_string())
                .with_attr("type", "unavailable");
            route::broadcast_to_own_resources(&self.state, &handle.jid, &unavailable);
        }
        let mut event = SessionEvent { session: handle };
        let _ = self
            .generation
            .run_hook(&crate::hooks::SESSION_CLOSED, &mut event);
    }
}
