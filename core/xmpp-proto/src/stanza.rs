//! Recognising stanzas and reading their common attributes (RFC 6120 §8.1, RFC 6121 §4.7.1
//! and §5.2.2), plus the empty iq result.

use impetus_xml::Element;

use crate::jid::{Jid, JidError};
use crate::ns;

/// The three stanza kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StanzaKind {
    /// `<message/>`
    Message,
    /// `<presence/>`
    Presence,
    /// `<iq/>`
    Iq,
}

/// The stanza kind of `el`, if it is a message, presence or iq in `jabber:client` or
/// `jabber:server`.
pub fn kind_of(el: &Element) -> Option<StanzaKind> {
    if el.ns != ns::CLIENT && el.ns != ns::SERVER {
        return None;
    }
    match el.name.as_str() {
        "message" => Some(StanzaKind::Message),
        "presence" => Some(StanzaKind::Presence),
        "iq" => Some(StanzaKind::Iq),
        _ => None,
    }
}

/// The `id` attribute.
pub fn id(el: &Element) -> Option<&str> {
    el.attr("id")
}

/// The `to` attribute parsed as a JID (`None` when absent).
pub fn to(el: &Element) -> Option<Result<Jid, JidError>> {
    el.attr("to").map(Jid::parse)
}

/// The `from` attribute parsed as a JID (`None` when absent).
pub fn from(el: &Element) -> Option<Result<Jid, JidError>> {
    el.attr("from").map(Jid::parse)
}

/// Defines a stanza `type` enum with its attribute names.
macro_rules! type_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The `type` attribute value.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a `type` attribute value.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

type_enum! {
    /// The `type` of an iq (RFC 6120 §8.2.3).
    IqType {
        /// A request for information.
        Get = "get",
        /// A request to change something.
        Set = "set",
        /// A successful response.
        Result = "result",
        /// An error response.
        Error = "error",
    }
}

type_enum! {
    /// The `type` of a message (RFC 6121 §5.2.2).
    MessageType {
        /// One-to-one chat.
        Chat = "chat",
        /// An error response.
        Error = "error",
        /// Multi-user chat.
        Groupchat = "groupchat",
        /// An alert or notification that expects no reply.
        Headline = "headline",
        /// A standalone message (the default).
        Normal = "normal",
    }
}

type_enum! {
    /// The `type` of a presence (RFC 6121 §4.7.1); `Available` stands for no `type`.
    PresenceType {
        /// No `type` attribute: the sender is available.
        Available = "available",
        /// The sender is no longer available.
        Unavailable = "unavailable",
        /// A subscription request.
        Subscribe = "subscribe",
        /// A subscription approval.
        Subscribed = "subscribed",
        /// A request to end a subscription.
        Unsubscribe = "unsubscribe",
        /// A subscription denial or cancellation.
        Unsubscribed = "unsubscribed",
        /// A server's request for current presence.
        Probe = "probe",
        /// An error response.
        Error = "error",
    }
}

/// The iq `type`; `None` when missing or invalid (such an iq gets a `bad-request` error).
pub fn iq_type(el: &Element) -> Option<IqType> {
    el.attr("type").and_then(IqType::from_name)
}

/// The message `type`; absent and unknown values mean `normal` (RFC 6121 §5.2.2).
pub fn message_type(el: &Element) -> MessageType {
    el.attr("type")
        .and_then(MessageType::from_name)
        .unwrap_or(MessageType::Normal)
}

/// The presence `type`; absent means available, an unknown value gives `None`. The explicit
/// value `available` is not valid on the wire and also gives `None`.
pub fn presence_type(el: &Element) -> Option<PresenceType> {
    match el.attr("type") {
        None => Some(PresenceType::Available),
        Some("available") => None,
        Some(t) => PresenceType::from_name(t),
    }
}

/// The empty `type='result'` reply to an iq request: same name and namespace, same `id`,
/// `to` and `from` swapped.
pub fn iq_result(req: &Element) -> Element {
    reply_skeleton(req, "result")
}

/// A reply to `original` without payload: same name and namespace, `to`/`from` swapped, same
/// `id`, and `type` set to `reply_type`.
pub(crate) fn reply_skeleton(original: &Element, reply_type: &str) -> Element {
    let mut reply = Element::new(&original.name, &original.ns);
    for (reply_attr, original_attr) in [("from", "to"), ("to", "from"), ("id", "id")] {
        if let Some(value) = original.attr(original_attr) {
            reply.set_attr(reply_attr, value);
        }
    }
    reply.set_attr("type", reply_type);
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(name: &str, ns: &str) -> Element {
        Element::new(name, ns)
    }

    #[test]
    fn recognises_stanzas_only_in_stanza_namespaces() {
        assert_eq!(
            kind_of(&el("message", ns::CLIENT)),
            Some(StanzaKind::Message)
        );
        assert_eq!(
            kind_of(&el("presence", ns::SERVER)),
            Some(StanzaKind::Presence)
        );
        assert_eq!(kind_of(&el("iq", ns::CLIENT)), Some(StanzaKind::Iq));
        assert_eq!(kind_of(&el("iq", ns::COMPONENT_ACCEPT)), None);
        assert_eq!(kind_of(&el("message", "")), None);
        assert_eq!(kind_of(&el("auth", ns::SASL)), None);
        assert_eq!(kind_of(&el("db", ns::CLIENT)), None);
    }

    #[test]
    fn reads_addresses_and_id() {
        let msg = el("message", ns::CLIENT)
            .with_attr("to", "Juliet@Example.com/Balcony")
            .with_attr("from", "@bad")
            .with_attr("id", "m1");
        assert_eq!(id(&msg), Some("m1"));
        assert_eq!(
            to(&msg).unwrap().unwrap().to_string(),
            "juliet@example.com/Balcony"
        );
        assert!(from(&msg).unwrap().is_err());
        assert!(to(&el("iq", ns::CLIENT)).is_none());
    }

    #[test]
    fn type_attributes() {
        let with_type = |name: &str, t: &str| el(name, ns::CLIENT).with_attr("type", t);
        assert_eq!(iq_type(&with_type("iq", "get")), Some(IqType::Get));
        assert_eq!(iq_type(&with_type("iq", "set")), Some(IqType::Set));
        assert_eq!(iq_type(&with_type("iq", "result")), Some(IqType::Result));
        assert_eq!(iq_type(&with_type("iq", "error")), Some(IqType::Error));
        assert_eq!(iq_type(&with_type("iq", "GET")), None);
        assert_eq!(iq_type(&el("iq", ns::CLIENT)), None);

        assert_eq!(
            message_type(&el("message", ns::CLIENT)),
            MessageType::Normal
        );
        assert_eq!(
            message_type(&with_type("message", "bogus")),
            MessageType::Normal
        );
        for t in [
            MessageType::Chat,
            MessageType::Error,
            MessageType::Groupchat,
            MessageType::Headline,
        ] {
            assert_eq!(message_type(&with_type("message", t.name())), t);
        }

        assert_eq!(
            presence_type(&el("presence", ns::CLIENT)),
            Some(PresenceType::Available)
        );
        assert_eq!(presence_type(&with_type("presence", "available")), None);
        assert_eq!(presence_type(&with_type("presence", "bogus")), None);
        for t in [
            "unavailable",
            "subscribe",
            "subscribed",
            "unsubscribe",
            "unsubscribed",
            "probe",
            "error",
        ] {
            assert_eq!(
                presence_type(&with_type("presence", t)).map(PresenceType::name),
                Some(t)
            );
        }
    }

    #[test]
    fn iq_result_swaps_addresses() {
        let req = el("iq", ns::SERVER)
            .with_attr("type", "get")
            .with_attr("id", "p1")
            .with_attr("from", "a.example")
            .with_attr("to", "b.example")
            .with_child(el("ping", ns::PING));
        let res = iq_result(&req);
        assert_eq!(
            res.to_string_in(ns::SERVER),
            "<iq from=\"b.example\" to=\"a.example\" id=\"p1\" type=\"result\"/>"
        );
        let bare = iq_result(&el("iq", ns::CLIENT).with_attr("id", "x"));
        assert_eq!(
            bare.attrs,
            vec![
                ("id".to_owned(), "x".to_owned()),
                ("type".to_owned(), "result".to_owned())
            ]
        );
    }
}
