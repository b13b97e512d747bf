//! Routing (RFC 6120 §10, RFC 6121 §8): where a stanza with a stamped `from` and a `to` goes:
//! the server itself, a local account (bare or full JID, online or offline), or another
//! server (through the s2s queues, `s2s/`). Errors go back to the sender as stanza errors,
//! never in a loop. Stanzas for local accounts pass the `stanza/deliver` hook first (where the
//! roster scriptlet works).

use std::sync::Arc;

use impetus_runtime::{Flow, Generation};
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza::{MessageType, StanzaKind, kind_of, message_type};
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};

use crate::hooks::{DeliverEvent, DeliveredEvent, STANZA_DELIVER, STANZA_DELIVERED};
use crate::iq;
use crate::offline;
use crate::router::SessionHandle;
use crate::state::XmppState;

/// Routes a stanza whose `from` is trusted (stamped by this server).
pub fn route(state: &XmppState, generation: &Generation, stanza: Element) {
    let Some(kind) = kind_of(&stanza) else { return };
    let to = match stanza.attr("to").map(Jid::parse) {
        Some(Ok(to)) => to,
        Some(Err(_)) => {
            return bounce(
                state,
                generation,
                &stanza,
                StanzaErrorCondition::JidMalformed,
            );
        }
        // No `to`: addressed to the sender's own account (RFC 6120 §10.3).
        None => match stanza.attr("from").and_then(|f| Jid::parse(f).ok()) {
            Some(from) => from.bare(),
            None => return,
        },
    };
    route_to(state, generation, stanza, kind, to);
}

/// Routes a stanza of `kind` whose `from` is trusted and whose `to` (or, without one, the
/// sender's bare JID) is already parsed as `to`.
pub fn route_to(
    state: &XmppState,
    generation: &Generation,
    stanza: Element,
    kind: StanzaKind,
    to: Jid,
) {
    if !state.hosts(to.domain()) {
        // Another server's domain: the s2s queue of (sender's domain, that domain).
        return crate::s2s::send(state, generation, stanza, &to);
    }
    if to.node().is_none() {
        if to.resource().is_none() && kind == StanzaKind::Iq {
            iq::dispatch(state, generation, &stanza, &to);
        }
        // Messages and presence to the server itself have no recipient here.
        return;
    }
    let mut event = DeliverEvent { to, stanza };
    match generation.run_hook(&STANZA_DELIVER, &mut event) {
        Ok(Flow::Continue) => {}
        Ok(Flow::Done) => return,
        Err(error) => {
            if let Some(reply) = error_reply(&event.stanza, &error) {
                route(state, generation, reply);
            }
            return;
        }
    }
    let DeliverEvent { to, stanza } = event;
    if to.resource().is_some() {
        if let Some(session) = state.router.session(&to) {
            deliver(generation, &session, &stanza);
            return;
        }
        match kind {
            StanzaKind::Message
                if !matches!(
                    message_type(&stanza),
                    MessageType::Groupchat | MessageType::Error
                ) => {}
            StanzaKind::Message | StanzaKind::Iq => {
                return bounce(
                    state,
                    generation,
                    &stanza,
                    StanzaErrorCondition::ServiceUnavailable,
                );
            }
            StanzaKind::Presence => return,
        }
    }
    to_bare(state, generation, stanza, kind, &to.bare());
}

fn to_bare(
    state: &XmppState,
    generation: &Generation,
    stanza: Element,
    kind: StanzaKind,
    bare: &Jid,
) {
    let sessions = state.router.sessions(bare);
    if sessions.is_empty() && !state.account_exists(bare) {
        if kind != StanzaKind::Presence {
            bounce(
                state,
                generation,
                &stanza,
                StanzaErrorCondition::ServiceUnavailable,
            );
        }
        return;
    }
    match kind {
        StanzaKind::Iq => {
            iq::dispatch(state, generation, &stanza, bare);
        }
        StanzaKind::Presence => {
            for session in sessions.iter().filter(|s| s.priority().is_some()) {
                deliver(generation, session, &stanza);
            }
        }
        StanzaKind::Message => match message_type(&stanza) {
            MessageType::Error => {}
            MessageType::Groupchat => bounce(
                state,
                generation,
                &stanza,
                StanzaErrorCondition::ServiceUnavailable,
            ),
            kind => {
                let targets: Vec<_> = sessions
                    .iter()
                    .filter(|s| s.priority().is_some_and(|p| p >= 0))
                    .collect();
                if !targets.is_empty() {
                    let xml = serialise(&stanza);
                    for session in targets {
                        if session.send(xml.clone()) {
                            delivered(generation, session, &stanza);
                        }
                    }
                } else if kind != MessageType::Headline {
                    offline::store(state, generation, bare, stanza);
                }
            }
        },
    }
}

/// Sends the stanza to every available resource of `jid`'s account (own-presence broadcast).
pub fn broadcast_to_own_resources(
    state: &XmppState,
    generation: &Generation,
    jid: &Jid,
    stanza: &Element,
) {
    let xml = serialise(stanza);
    for session in state.router.sessions(&jid.bare()) {
        if (session.priority().is_some() || session.jid == *jid) && session.send(xml.clone()) {
            delivered(generation, &session, stanza);
        }
    }
}

/// Queues a stanza for one session.
pub fn deliver(generation: &Generation, session: &Arc<SessionHandle>, stanza: &Element) {
    if session.send(serialise(stanza)) {
        delivered(generation, session, stanza);
    }
}

/// Counts a stanza queued to `session` and fires `stanza/delivered` when anything listens.
pub fn delivered(generation: &Generation, session: &Arc<SessionHandle>, stanza: &Element) {
    impetus_runtime::metrics::STANZAS_DELIVERED.inc(&[&stanza.name]);
    if generation.has_hook(&STANZA_DELIVERED) {
        let mut event = DeliveredEvent {
            session: session.clone(),
            stanza: stanza.clone(),
        };
        let _ = generation.run_hook(&STANZA_DELIVERED, &mut event);
    }
}

fn serialise(stanza: &Element) -> Arc<str> {
    Arc::from(stanza.to_string_in(ns::CLIENT))
}

/// Answers `stanza` with an error from the server, unless it is an error itself.
pub fn bounce(
    state: &XmppState,
    generation: &Generation,
    stanza: &Element,
    condition: StanzaErrorCondition,
) {
    if let Some(reply) = error_reply(stanza, &StanzaError::new(condition)) {
        route(state, generation, reply);
    }
}
