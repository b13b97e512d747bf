//! Offline messages (XEP-0160): chat and normal messages to an account with no available
//! resource are stored with a `<delay/>` (XEP-0203) and delivered when a resource sends its
//! initial presence. A message is deleted only after it is queued to the session.

use std::sync::Arc;

use impetus_runtime::Generation;
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::StanzaErrorCondition;

use crate::clock::now_xep0082;
use crate::route::bounce;
use crate::router::SessionHandle;
use crate::state::XmppState;

/// Messages delivered per store round trip.
const BATCH: usize = 100;

/// Stores a message for later; answers the sender with an error if the store fails.
pub fn store(state: &XmppState, generation: &Generation, bare: &Jid, mut stanza: Element) {
    if stanza.child("delay", ns::DELAY).is_none() {
        stanza.push_child(
            Element::new("delay", ns::DELAY)
                .with_attr("from", bare.domain())
                .with_attr("stamp", now_xep0082()),
        );
    }
    let xml = stanza.to_string_in(ns::CLIENT);
    if let Err(e) = state.store.offline_push(&bare.to_string(), &xml) {
        tracing::error!(to = %bare, error = %e, "Cannot store an offline message");
        bounce(
            state,
            generation,
            &stanza,
            StanzaErrorCondition::ResourceConstraint,
        );
    }
}

/// Queues every stored message to `session`, oldest first, deleting each batch once queued.
pub fn deliver(state: &XmppState, generation: &Generation, session: &Arc<SessionHandle>) {
    let bare = session.jid.bare().to_string();
    loop {
        let batch = match state.store.offline_peek(&bare, BATCH) {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!(jid = %bare, error = %e, "Cannot read offline messages");
                return;
            }
        };
        let Some(&(last, _)) = batch.last() else {
            return;
        };
        for (_, xml) in &batch {
            if !session.send(Arc::from(xml.as_str())) {
                // The session went away: keep the messages for the next one.
                return;
            }
            if let Some(stanza) = parse_stored(xml) {
                crate::route::delivered(generation, session, &stanza);
            }
        }
        if let Err(e) = state.store.offline_delete(&bare, last) {
            tracing::error!(jid = %bare, error = %e, "Cannot delete delivered offline messages");
            return;
        }
        if batch.len() < BATCH {
            return;
        }
    }
}

/// Parses a stored message back into an element (for the `stanza/delivered` notification).
fn parse_stored(xml: &str) -> Option<Element> {
    use impetus_xml::{Limits, StreamEvent, StreamReader};
    let mut reader = StreamReader::new(Limits::default());
    reader.feed(
        format!(
            "<stream:stream xmlns='{}' xmlns:stream='{}'>",
            ns::CLIENT,
            impetus_xml::STREAMS_NS
        )
        .as_bytes(),
    );
    reader.feed(xml.as_bytes());
    loop {
        match reader.next() {
            Ok(Some(StreamEvent::Header(_))) => {}
            Ok(Some(StreamEvent::Stanza(stanza))) => return Some(stanza),
            _ => return None,
        }
    }
}
