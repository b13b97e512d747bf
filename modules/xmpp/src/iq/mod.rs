//! IQs addressed to the server or to an account's bare JID (RFC 6120 §8.2.3): one handler per
//! payload namespace, provided by any module through `Registrar::provide(IqHandler { .. })`.
//! Unknown payloads get `service-unavailable`; a request never goes unanswered.
//!
//! Built-in handlers: `disco.rs` (XEP-0030), `ping.rs` (XEP-0199), `version.rs` (XEP-0092),
//! `time.rs` (XEP-0202), `register.rs` (XEP-0077).

pub mod disco;
pub mod ping;
pub mod register;
pub mod time;
pub mod version;

use std::sync::Arc;

use impetus_runtime::Generation;
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::stanza::iq_result;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};

use crate::state::XmppState;

/// Where an IQ handler answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqTarget {
    /// IQs to the server's domain JID.
    Server,
    /// IQs to an account's bare JID (or without `to`).
    Account,
}

/// What a handler sees.
pub struct IqRequest<'a> {
    /// Module state.
    pub state: &'a XmppState,
    /// The generation.
    pub generation: &'a Generation,
    /// The (stamped) sender.
    pub from: &'a Jid,
    /// The addressee (domain or bare JID).
    pub to: &'a Jid,
    /// The whole IQ.
    pub iq: &'a Element,
    /// Its single payload child.
    pub payload: &'a Element,
    /// Whether it is a `set` (else `get`).
    pub set: bool,
    /// Actions to run after the reply is routed (for example closing sessions after an
    /// account removal, so the result reaches the client first).
    pub after: std::cell::RefCell<Vec<Box<dyn FnOnce()>>>,
}

/// The handler function: `Ok(Some(payload))` answers a result with that child, `Ok(None)` an
/// empty result.
pub type IqFn = dyn Fn(&IqRequest<'_>) -> Result<Option<Element>, StanzaError> + Send + Sync;

/// An IQ handler for one payload namespace.
#[derive(Clone)]
pub struct IqHandler {
    /// Payload namespace.
    pub namespace: &'static str,
    /// Where it answers.
    pub target: IqTarget,
    /// The function.
    pub handle: Arc<IqFn>,
}

/// A server handler that answers `get` with the payload `answer` builds and refuses `set`.
pub fn get_only(namespace: &'static str, answer: fn() -> Element) -> IqHandler {
    IqHandler {
        namespace,
        target: IqTarget::Server,
        handle: Arc::new(move |request| {
            if request.set {
                return Err(StanzaError::new(StanzaErrorCondition::BadRequest));
            }
            Ok(Some(answer()))
        }),
    }
}

/// Answers an IQ addressed to `to` (the server or a bare JID) and routes the reply.
pub fn dispatch(state: &XmppState, generation: &Generation, iq: &Element, to: &Jid) {
    let mut after = Vec::new();
    if let Some(reply) = answer(state, generation, iq, to, &mut after) {
        crate::route::route(state, generation, reply);
    }
    for action in after {
        action();
    }
}

fn answer(
    state: &XmppState,
    generation: &Generation,
    iq: &Element,
    to: &Jid,
    after: &mut Vec<Box<dyn FnOnce()>>,
) -> Option<Element> {
    let set = match iq.attr("type") {
        Some("get") => false,
        Some("set") => true,
        // Results and errors addressed to us need no answer.
        _ => return None,
    };
    let mut children = iq.elements();
    let (Some(payload), None) = (children.next(), children.next()) else {
        return error_reply(
            iq,
            &StanzaError::new(StanzaErrorCondition::BadRequest)
                .with_text("an IQ request carries exactly one payload"),
        );
    };
    let from = iq.attr("from").and_then(|f| Jid::parse(f).ok())?;
    let target = if to.node().is_none() {
        IqTarget::Server
    } else {
        IqTarget::Account
    };
    let handler = generation
        .provided::<IqHandler>()
        .find(|h| h.namespace == payload.ns && h.target == target);
    let Some(handler) = handler else {
        return error_reply(
            iq,
            &StanzaError::new(StanzaErrorCondition::ServiceUnavailable),
        );
    };
    let request = IqRequest {
        state,
        generation,
        from: &from,
        to,
        iq,
        payload,
        set,
        after: Default::default(),
    };
    let outcome = (handler.handle)(&request);
    after.append(&mut request.after.borrow_mut());
    let mut reply = match outcome {
        Ok(Some(child)) => iq_result(iq).with_child(child),
        Ok(None) => iq_result(iq),
        Err(error) => return error_reply(iq, &error),
    };
    reply.set_attr("from", to.to_string());
    Some(reply)
}
