//! The XMPP hook points: read this file first if you know XMPP. Each is fired by the xmpp
//! module; handlers (Rust modules or scriptlets) run in ascending order, and `Flow::Done`
//! means "handled, skip the default routing". Names follow Prosody's event grammar.

use std::sync::Arc;

use impetus_runtime::HookPoint;
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;

use crate::router::SessionHandle;

/// A stanza on its way through the server.
pub struct StanzaEvent {
    /// The local session that sent it (c2s), if any.
    pub session: Option<Arc<SessionHandle>>,
    /// The sender, as stamped by the server.
    pub from: Jid,
    /// The stanza; handlers may rewrite it.
    pub stanza: Element,
}

/// A session that was bound or closed.
pub struct SessionEvent {
    /// The session.
    pub session: Arc<SessionHandle>,
}

/// `stanza/in`: every stanza a local client sends, after `from` is stamped and before
/// routing. Momentum's `client_{message,presence,iq}_recv` scriptlet callbacks hang here.
pub static STANZA_IN: HookPoint<StanzaEvent> = HookPoint::new("stanza/in");

/// `stanza/out`: every stanza about to be written to a local session (Momentum's
/// `before_stanza_send`). `Done` drops it.
pub static STANZA_OUT: HookPoint<StanzaEvent> = HookPoint::new("stanza/out");

/// `session/bound`: a resource was bound (fired after it is in the routing table).
pub static SESSION_BOUND: HookPoint<SessionEvent> = HookPoint::new("session/bound");

/// `session/closed`: a bound session ended (after it left the routing table).
pub static SESSION_CLOSED: HookPoint<SessionEvent> = HookPoint::new("session/closed");

/// A stanza addressed to an account on a hosted domain, about to be delivered.
pub struct DeliverEvent {
    /// The addressee: a bare or full JID of a hosted account.
    pub to: Jid,
    /// The stanza (`from` already stamped); handlers may rewrite it.
    pub stanza: Element,
}

/// `stanza/deliver`: a message, presence or IQ addressed to an account (bare or full JID) on a
/// hosted domain, fired by `route::route` before the stanza is delivered to sessions, stored
/// offline or answered by an account IQ handler. The roster scriptlet processes inbound
/// subscriptions, probes and blocking here (RFC 6121 §3, §4.3; XEP-0191). `Done` means the
/// handler delivered, answered or dropped it; an error is returned to the sender.
pub static STANZA_DELIVER: HookPoint<DeliverEvent> = HookPoint::new("stanza/deliver");

/// A stanza that was queued to a local session.
pub struct DeliveredEvent {
    /// The session it was queued to (its bound `jid` and remote address `peer`).
    pub session: Arc<SessionHandle>,
    /// The stanza as queued.
    pub stanza: Element,
}

/// `stanza/delivered`: a notification, after a stanza was queued to a local session by
/// routing (messages, presence, IQs and their replies), an own-presence broadcast or offline
/// delivery. Fired only when a handler is registered; the result and any change to the stanza
/// are ignored. The xmpp_logger's `D` records hang here.
pub static STANZA_DELIVERED: HookPoint<DeliveredEvent> = HookPoint::new("stanza/delivered");
