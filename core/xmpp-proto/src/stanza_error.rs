//! Stanza-level errors (RFC 6120 §8.3): conditions with their usual types, the `<error/>`
//! element, and the rule for turning a stanza into its error reply.

use std::fmt;

use impetus_xml::{Element, Node};

use crate::ns;
use crate::stanza::{StanzaKind, kind_of, reply_skeleton};

/// How the sender should react to an error (RFC 6120 §8.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Retry after providing credentials.
    Auth,
    /// Do not retry.
    Cancel,
    /// Proceed; the condition was only a warning.
    Continue,
    /// Retry after changing the data sent.
    Modify,
    /// Retry after waiting.
    Wait,
}

impl ErrorType {
    /// The `type` attribute value.
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::Auth => "auth",
            ErrorType::Cancel => "cancel",
            ErrorType::Continue => "continue",
            ErrorType::Modify => "modify",
            ErrorType::Wait => "wait",
        }
    }

    /// Parses a `type` attribute value.
    pub fn from_name(name: &str) -> Option<ErrorType> {
        use ErrorType::*;
        [Auth, Cancel, Continue, Modify, Wait]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defined stanza error condition (RFC 6120 §8.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StanzaErrorCondition {
    /// `bad-request` (modify)
    BadRequest,
    /// `conflict` (cancel)
    Conflict,
    /// `feature-not-implemented` (cancel)
    FeatureNotImplemented,
    /// `forbidden` (auth)
    Forbidden,
    /// `gone` (cancel)
    Gone,
    /// `internal-server-error` (cancel)
    InternalServerError,
    /// `item-not-found` (cancel)
    ItemNotFound,
    /// `jid-malformed` (modify)
    JidMalformed,
    /// `not-acceptable` (modify)
    NotAcceptable,
    /// `not-allowed` (cancel)
    NotAllowed,
    /// `not-authorized` (auth)
    NotAuthorized,
    /// `policy-violation` (modify)
    PolicyViolation,
    /// `recipient-unavailable` (wait)
    RecipientUnavailable,
    /// `redirect` (modify)
    Redirect,
    /// `registration-required` (auth)
    RegistrationRequired,
    /// `remote-server-not-found` (cancel)
    RemoteServerNotFound,
    /// `remote-server-timeout` (wait)
    RemoteServerTimeout,
    /// `resource-constraint` (wait)
    ResourceConstraint,
    /// `service-unavailable` (cancel)
    ServiceUnavailable,
    /// `subscription-required` (auth)
    SubscriptionRequired,
    /// `undefined-condition` (modify)
    UndefinedCondition,
    /// `unexpected-request` (wait)
    UnexpectedRequest,
}

impl StanzaErrorCondition {
    /// Every condition, in RFC order.
    pub const ALL: [StanzaErrorCondition; 22] = {
        use StanzaErrorCondition::*;
        [
            BadRequest,
            Conflict,
            FeatureNotImplemented,
            Forbidden,
            Gone,
            InternalServerError,
            ItemNotFound,
            JidMalformed,
            NotAcceptable,
            NotAllowed,
            NotAuthorized,
            PolicyViolation,
            RecipientUnavailable,
            Redirect,
            RegistrationRequired,
            RemoteServerNotFound,
            RemoteServerTimeout,
            ResourceConstraint,
            ServiceUnavailable,
            SubscriptionRequired,
            UndefinedCondition,
            UnexpectedRequest,
        ]
    };

    /// The condition's element name and the error type RFC 6120 uses with it.
    fn info(self) -> (&'static str, ErrorType) {
        use ErrorType::*;
        use StanzaErrorCondition as C;
        match self {
            C::BadRequest => ("bad-request", Modify),
            C::Conflict => ("conflict", Cancel),
            C::FeatureNotImplemented => ("feature-not-implemented", Cancel),
            C::Forbidden => ("forbidden", Auth),
            C::Gone => ("gone", Cancel),
            C::InternalServerError => ("internal-server-error", Cancel),
            C::ItemNotFound => ("item-not-found", Cancel),
            C::JidMalformed => ("jid-malformed", Modify),
            C::NotAcceptable => ("not-acceptable", Modify),
            C::NotAllowed => ("not-allowed", Cancel),
            C::NotAuthorized => ("not-authorized", Auth),
            C::PolicyViolation => ("policy-violation", Modify),
            C::RecipientUnavailable => ("recipient-unavailable", Wait),
            C::Redirect => ("redirect", Modify),
            C::RegistrationRequired => ("registration-required", Auth),
            C::RemoteServerNotFound => ("remote-server-not-found", Cancel),
            C::RemoteServerTimeout => ("remote-server-timeout", Wait),
            C::ResourceConstraint => ("resource-constraint", Wait),
            C::ServiceUnavailable => ("service-unavailable", Cancel),
            C::SubscriptionRequired => ("subscription-required", Auth),
            C::UndefinedCondition => ("undefined-condition", Modify),
            C::UnexpectedRequest => ("unexpected-request", Wait),
        }
    }

    /// The condition's element name, e.g. `item-not-found`.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The error type normally sent with this condition.
    pub fn default_type(self) -> ErrorType {
        self.info().1
    }

    /// Parses a condition element name.
    pub fn from_name(name: &str) -> Option<StanzaErrorCondition> {
        StanzaErrorCondition::ALL
            .into_iter()
            .find(|c| c.name() == name)
    }
}

impl fmt::Display for StanzaErrorCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stanza error: type, condition and optional human-readable text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{condition} ({kind}){}", text.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
pub struct StanzaError {
    /// The error type.
    pub kind: ErrorType,
    /// The defined condition.
    pub condition: StanzaErrorCondition,
    /// Optional descriptive text.
    pub text: Option<String>,
}

impl StanzaError {
    /// An error with the condition's default type and no text.
    pub fn new(condition: StanzaErrorCondition) -> Self {
        StanzaError {
            kind: condition.default_type(),
            condition,
            text: None,
        }
    }

    /// Adds descriptive text.
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = Some(text.to_owned());
        self
    }

    /// The `<error type='..'>` element in `stanza_ns` (the stanza's namespace).
    pub fn to_element(&self, stanza_ns: &str) -> Element {
        let mut error = Element::new("error", stanza_ns)
            .with_attr("type", self.kind.name())
            .with_child(Element::new(self.condition.name(), ns::STANZAS));
        if let Some(text) = &self.text {
            error.push_child(Element::new("text", ns::STANZAS).with_text(text));
        }
        error
    }

    /// Reads the `<error/>` child of a stanza. Unknown conditions read as
    /// `undefined-condition`; a missing or unknown type falls back to the condition's default.
    pub fn from_stanza(stanza: &Element) -> Option<StanzaError> {
        let error = stanza.child("error", &stanza.ns)?;
        let condition = error
            .elements()
            .filter(|e| e.ns == ns::STANZAS && e.name != "text")
            .find_map(|e| StanzaErrorCondition::from_name(&e.name))
            .unwrap_or(StanzaErrorCondition::UndefinedCondition);
        Some(StanzaError {
            kind: error
                .attr("type")
                .and_then(ErrorType::from_name)
                .unwrap_or(condition.default_type()),
            condition,
            text: error.child("text", ns::STANZAS).map(Element::text),
        })
    }
}

/// The error reply to `original`: `to`/`from` swapped, same `id`, `type='error'`, the original
/// payload (all children for message and presence, only the first child element for iq),
/// then the `<error/>`. Returns `None` for non-stanzas and for stanzas that are themselves
/// errors, which must never be answered.
pub fn error_reply(original: &Element, err: &StanzaError) -> Option<Element> {
    let kind = kind_of(original)?;
    if original.attr("type") == Some("error") {
        return None;
    }
    let mut reply = reply_skeleton(original, "error");
    match kind {
        StanzaKind::Iq => {
            if let Some(payload) = original.elements().next() {
                reply.push_child(payload.clone());
            }
        }
        StanzaKind::Message | StanzaKind::Presence => {
            reply.children = original
                .children
                .iter()
                .filter(|n| matches!(n, Node::Element(_)))
                .cloned()
                .collect();
        }
    }
    reply.push_child(err.to_element(&original.ns));
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_and_types_round_trip() {
        for cond in StanzaErrorCondition::ALL {
            assert_eq!(StanzaErrorCondition::from_name(cond.name()), Some(cond));
            assert_eq!(
                ErrorType::from_name(cond.default_type().name()),
                Some(cond.default_type())
            );
        }
        assert_eq!(
            StanzaErrorCondition::ServiceUnavailable.default_type(),
            ErrorType::Cancel
        );
        assert_eq!(
            StanzaErrorCondition::Forbidden.default_type(),
            ErrorType::Auth
        );
        assert_eq!(
            StanzaErrorCondition::BadRequest.default_type(),
            ErrorType::Modify
        );
        assert_eq!(
            StanzaErrorCondition::RecipientUnavailable.default_type(),
            ErrorType::Wait
        );
        assert_eq!(ErrorType::from_name("continue"), Some(ErrorType::Continue));
        assert_eq!(StanzaErrorCondition::from_name("nope"), None);
        let err = StanzaError::new(StanzaErrorCondition::ItemNotFound).with_text("no such user");
        assert_eq!(err.to_string(), "item-not-found (cancel): no such user");
    }

    #[test]
    fn error_element_round_trips() {
        let err = StanzaError::new(StanzaErrorCondition::NotAllowed).with_text("nope");
        let el = err.to_element(ns::CLIENT);
        assert_eq!(
            el.to_string_in(ns::CLIENT),
            "<error type=\"cancel\"><not-allowed xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>\
             <text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">nope</text></error>"
        );
        let stanza = Element::new("iq", ns::CLIENT).with_child(el);
        assert_eq!(StanzaError::from_stanza(&stanza), Some(err));

        let odd = Element::new("message", ns::SERVER).with_child(
            Element::new("error", ns::SERVER)
                .with_attr("type", "weird")
                .with_child(Element::new("made-up", ns::STANZAS)),
        );
        let parsed = StanzaError::from_stanza(&odd).unwrap();
        assert_eq!(parsed.condition, StanzaErrorCondition::UndefinedCondition);
        assert_eq!(parsed.kind, ErrorType::Modify);
        assert_eq!(
            StanzaError::from_stanza(&Element::new("iq", ns::CLIENT)),
            None
        );
    }

    #[test]
    fn error_reply_for_each_stanza_kind() {
        let err = StanzaError::new(StanzaErrorCondition::ServiceUnavailable);
        let iq = Element::new("iq", ns::CLIENT)
            .with_attr("type", "get")
            .with_attr("id", "q1")
            .with_attr("from", "romeo@example.net/orchard")
            .with_attr("to", "juliet@example.com")
            .with_child(Element::new("query", ns::VERSION))
            .with_child(Element::new("extra", "urn:x"));
        let reply = error_reply(&iq, &err).unwrap();
        assert_eq!(
            reply.to_string_in(ns::CLIENT),
            "<iq from=\"juliet@example.com\" to=\"romeo@example.net/orchard\" id=\"q1\" \
             type=\"error\"><query xmlns=\"jabber:iq:version\"/><error type=\"cancel\">\
             <service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"
        );

        let msg = Element::new("message", ns::SERVER)
            .with_attr("to", "a@b")
            .with_text("\n")
            .with_child(Element::new("body", ns::SERVER).with_text("hi"))
            .with_child(Element::new("thread", ns::SERVER).with_text("t"));
        let reply = error_reply(&msg, &err).unwrap();
        assert_eq!(reply.attr("from"), Some("a@b"));
        assert_eq!(reply.attr("to"), None);
        assert_eq!(reply.attr("id"), None);
        let names: Vec<&str> = reply.elements().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["body", "thread", "error"]);
        assert_eq!(StanzaError::from_stanza(&reply), Some(err.clone()));

        let presence = Element::new("presence", ns::CLIENT).with_attr("type", "subscribe");
        assert_eq!(
            error_reply(&presence, &err).unwrap().attr("type"),
            Some("error")
        );
    }

    #[test]
    fn never_answers_errors_or_non_stanzas() {
        let err = StanzaError::new(StanzaErrorCondition::BadRequest);
        let error_msg = Element::new("message", ns::CLIENT).with_attr("type", "error");
        assert_eq!(error_reply(&error_msg, &err), None);
        assert_eq!(error_reply(&Element::new("auth", ns::SASL), &err), None);
        assert_eq!(
            error_reply(&Element::new("iq", ns::COMPONENT_ACCEPT), &err),
            None
        );
    }
}
