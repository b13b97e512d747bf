//! Stanzas of a bound client session (RFC 6120 §8, RFC 6121 §4 and §8): stamp `from`, run the
//! `stanza/in` hook, handle the session's own presence, then route. The socket-free core is
//! public ([`client_stanza`], [`session_ended`]) so in-process sessions (the scriptlet
//! transcripts) run exactly the code a real connection runs.

use std::sync::Arc;

use impetus_runtime::{Flow, Generation};
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza::{PresenceType, StanzaKind, kind_of, presence_type};
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

use super::{Next, Session};
use crate::hooks::{STANZA_IN, SessionEvent, StanzaEvent};
use crate::router::{Availability, SessionHandle};
use crate::state::XmppState;
use crate::{offline, route};

impl Session {
    /// Handles one stanza from a bound client.
    pub(super) fn on_stanza(&mut self, stanza: Element) -> Next {
        let Some(handle) = self.handle().cloned() else {
            return self.fail(StreamErrorCondition::NotAuthorized, None);
        };
        if kind_of(&stanza).is_none() || stanza.ns != self.default_ns {
            return self.fail(
                StreamErrorCondition::UnsupportedStanzaType,
                Some("only message, presence and iq are allowed"),
            );
        }
        if let Some(reply) = client_stanza(&self.state, &self.generation, &handle, stanza) {
            self.reply(&reply);
        }
        Next::Continue
    }

    /// Removes the session from the routing table and announces it unavailable.
    pub(super) fn unbind(&mut self, handle: Arc<SessionHandle>) {
        session_ended(&self.state, &self.generation, handle);
    }
}

/// Processes one stanza (message, presence or iq) from the bound client `handle`: stamps
/// `from`, runs the `stanza/in` hook, applies the session's own presence, and routes. Returns
/// the reply the server writes straight back to that client, if any.
pub fn client_stanza(
    state: &XmppState,
    generation: &Generation,
    handle: &Arc<SessionHandle>,
    mut stanza: Element,
) -> Option<Element> {
    let kind = kind_of(&stanza)?;
    impetus_runtime::metrics::STANZAS_RECEIVED.inc(&[&stanza.name]);
    if kind == StanzaKind::Iq
        && stanza.child("session", ns::SESSION).is_some()
        && stanza.attr("to").is_none()
    {
        return Some(impetus_xmpp_proto::stanza::iq_result(&stanza));
    }
    // The server stamps `from` on everything a client sends (RFC 6120 §8.1.2.1).
    stanza.set_attr("from", handle.jid.as_str());
    let to = match stanza.attr("to").map(|to| (Jid::parse(to), to)) {
        Some((Ok(jid), written)) => {
            if jid.as_str() != written {
                stanza.set_attr("to", jid.as_str());
            }
            Some(jid)
        }
        Some((Err(e), _)) => {
            let error =
                StanzaError::new(StanzaErrorCondition::JidMalformed).with_text(&e.to_string());
            return error_reply(&stanza, &error);
        }
        None => None,
    };
    let mut event = StanzaEvent {
        session: Some(handle.clone()),
        from: handle.jid.clone(),
        stanza,
    };
    match generation.run_hook(&STANZA_IN, &mut event) {
        Ok(Flow::Done) => return None,
        Ok(Flow::Continue) => {}
        Err(error) => return error_reply(&event.stanza, &error),
    }
    let stanza = event.stanza;
    if kind == StanzaKind::Presence && stanza.attr("to").is_none() {
        own_presence(state, generation, handle, stanza);
        return None;
    }
    // Parsed once unless a hook readdressed the stanza.
    match to {
        Some(to) if stanza.attr("to") == Some(to.as_str()) => {
            route::route_to(state, generation, stanza, kind, to)
        }
        _ => route::route(state, generation, stanza),
    }
    None
}

/// Presence without `to`: the resource's availability, broadcast to the user's resources
/// (RFC 6121 §4.2.2, §4.5.2); contacts are reached by the roster scriptlet's hook.
fn own_presence(
    state: &XmppState,
    generation: &Generation,
    handle: &Arc<SessionHandle>,
    stanza: Element,
) {
    let kind = presence_type(&stanza);
    let initial = handle.priority().is_none();
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
    route::broadcast_to_own_resources(state, generation, &handle.jid, &stanza);
    if initial && kind == Some(PresenceType::Available) {
        offline::deliver(state, generation, handle);
    }
}

/// Ends a bound session: removes it from the routing table, fires `session/closed` (while the
/// session's last availability is still readable, so hooks can tell contacts), then announces
/// it unavailable to the user's other resources.
pub fn session_ended(state: &XmppState, generation: &Generation, handle: Arc<SessionHandle>) {
    state.router.unbind(&handle);
    let mut event = SessionEvent {
        session: handle.clone(),
    };
    let _ = generation.run_hook(&crate::hooks::SESSION_CLOSED, &mut event);
    if handle.availability.lock().take().is_some() {
        let unavailable = Element::new("presence", ns::CLIENT)
            .with_attr("from", handle.jid.to_string())
            .with_attr("type", "unavailable");
        route::broadcast_to_own_resources(state, generation, &handle.jid, &unavailable);
    }
}
