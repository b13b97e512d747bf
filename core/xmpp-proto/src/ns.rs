//! XML namespace constants of the XMPP core and the extensions the server implements, so no
//! namespace string is spelled twice.

/// Stream framing and `<stream:error>` (RFC 6120 §4).
pub const STREAMS: &str = impetus_xml::STREAMS_NS;
/// Default namespace of client-to-server streams.
pub const CLIENT: &str = "jabber:client";
/// Default namespace of server-to-server streams.
pub const SERVER: &str = "jabber:server";
/// Default namespace of component streams (XEP-0114).
pub const COMPONENT_ACCEPT: &str = "jabber:component:accept";
/// The `xml:` prefix namespace (`xml:lang`).
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// STARTTLS (RFC 6120 §5).
pub const TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// SASL (RFC 6120 §6).
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// Resource binding (RFC 6120 §7).
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// Legacy session establishment (RFC 3921, optional in RFC 6121).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// Stanza error conditions (RFC 6120 §8.3).
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// Stream error conditions (RFC 6120 §4.9).
pub const STREAM_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// Server dialback elements (XEP-0220).
pub const DIALBACK: &str = "jabber:server:dialback";
/// Dialback stream feature (XEP-0220).
pub const DIALBACK_FEATURE: &str = "urn:xmpp:features:dialback";
/// WebSocket framing (RFC 7395).
pub const FRAMING: &str = "urn:ietf:params:xml:ns:xmpp-framing";
/// BOSH (XEP-0124).
pub const HTTPBIND: &str = "http://jabber.org/protocol/httpbind";
/// XMPP over BOSH (XEP-0206).
pub const XBOSH: &str = "urn:xmpp:xbosh";
/// Service discovery, info (XEP-0030).
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// Service discovery, items (XEP-0030).
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// Entity capabilities (XEP-0115).
pub const CAPS: &str = "http://jabber.org/protocol/caps";
/// Data forms (XEP-0004).
pub const DATA_FORMS: &str = "jabber:x:data";
/// XMPP ping (XEP-0199).
pub const PING: &str = "urn:xmpp:ping";
/// Software version (XEP-0092).
pub const VERSION: &str = "jabber:iq:version";
/// Entity time (XEP-0202).
pub const TIME: &str = "urn:xmpp:time";
/// Last activity (XEP-0012).
pub const LAST: &str = "jabber:iq:last";
/// In-band registration (XEP-0077).
pub const REGISTER: &str = "jabber:iq:register";
/// In-band registration stream feature (XEP-0077).
pub const REGISTER_FEATURE: &str = "http://jabber.org/features/iq-register";
/// Roster management (RFC 6121 §2).
pub const ROSTER: &str = "jabber:iq:roster";
/// Roster versioning stream feature (RFC 6121 §2.6).
pub const ROSTER_VER: &str = "urn:xmpp:features:rosterver";
/// Pre-approved subscriptions stream feature (RFC 6121 §3.4).
pub const PRE_APPROVAL: &str = "urn:xmpp:features:pre-approval";
/// Blocking command (XEP-0191).
pub const BLOCKING: &str = "urn:xmpp:blocking";
/// Blocking command error payload (XEP-0191).
pub const BLOCKING_ERRORS: &str = "urn:xmpp:blocking:errors";
/// Privacy lists (XEP-0016).
pub const PRIVACY: &str = "jabber:iq:privacy";
/// Flexible offline message retrieval (XEP-0013).
pub const OFFLINE: &str = "http://jabber.org/protocol/offline";
/// Disco feature advertising offline storage (XEP-0160).
pub const MSGOFFLINE: &str = "msgoffline";
/// Delayed delivery (XEP-0203).
pub const DELAY: &str = "urn:xmpp:delay";
/// Private XML storage (XEP-0049).
pub const PRIVATE: &str = "jabber:iq:private";
/// vCard (XEP-0054).
pub const VCARD: &str = "vcard-temp";
/// Message carbons (XEP-0280).
pub const CARBONS: &str = "urn:xmpp:carbons:2";
/// Stanza forwarding (XEP-0297).
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// Stream management (XEP-0198).
pub const SM: &str = "urn:xmpp:sm:3";
/// Client state indication (XEP-0352).
pub const CSI: &str = "urn:xmpp:csi:0";
/// Message archive management (XEP-0313).
pub const MAM: &str = "urn:xmpp:mam:2";
/// Result set management (XEP-0059).
pub const RSM: &str = "http://jabber.org/protocol/rsm";
/// Multi-user chat (XEP-0045).
pub const MUC: &str = "http://jabber.org/protocol/muc";
/// Multi-user chat, user namespace (XEP-0045).
pub const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// Chat state notifications (XEP-0085).
pub const CHATSTATES: &str = "http://jabber.org/protocol/chatstates";
/// Message delivery receipts (XEP-0184).
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// Unique and stable stanza IDs (XEP-0359).
pub const STANZA_ID: &str = "urn:xmpp:sid:0";
/// Legacy non-SASL authentication (XEP-0078), only to refuse it.
pub const AUTH_LEGACY: &str = "jabber:iq:auth";
/// SASL channel-binding type advertisement (XEP-0440).
pub const SASL_CB: &str = "urn:xmpp:sasl-cb:0";
