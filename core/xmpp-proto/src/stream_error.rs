//! Stream-level errors (RFC 6120 §4.9): the conditions and the `<stream:error>` element that
//! precedes closing a stream.

use impetus_xml::Element;

use crate::ns;

/// A defined stream error condition (RFC 6120 §4.9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamErrorCondition {
    /// `bad-format`
    BadFormat,
    /// `bad-namespace-prefix`
    BadNamespacePrefix,
    /// `conflict`
    Conflict,
    /// `connection-timeout`
    ConnectionTimeout,
    /// `host-gone`
    HostGone,
    /// `host-unknown`
    HostUnknown,
    /// `improper-addressing`
    ImproperAddressing,
    /// `internal-server-error`
    InternalServerError,
    /// `invalid-from`
    InvalidFrom,
    /// `invalid-namespace`
    InvalidNamespace,
    /// `invalid-xml`
    InvalidXml,
    /// `not-authorized`
    NotAuthorized,
    /// `not-well-formed`
    NotWellFormed,
    /// `policy-violation`
    PolicyViolation,
    /// `remote-connection-failed`
    RemoteConnectionFailed,
    /// `reset`
    Reset,
    /// `resource-constraint`
    ResourceConstraint,
    /// `restricted-xml`
    RestrictedXml,
    /// `see-other-host`
    SeeOtherHost,
    /// `system-shutdown`
    SystemShutdown,
    /// `undefined-condition`
    UndefinedCondition,
    /// `unsupported-encoding`
    UnsupportedEncoding,
    /// `unsupported-feature`
    UnsupportedFeature,
    /// `unsupported-stanza-type`
    UnsupportedStanzaType,
    /// `unsupported-version`
    UnsupportedVersion,
}

impl StreamErrorCondition {
    /// Every condition, in RFC order.
    pub const ALL: [StreamErrorCondition; 25] = {
        use StreamErrorCondition::*;
        [
            BadFormat,
            BadNamespacePrefix,
            Conflict,
            ConnectionTimeout,
            HostGone,
            HostUnknown,
            ImproperAddressing,
            InternalServerError,
            InvalidFrom,
            InvalidNamespace,
            InvalidXml,
            NotAuthorized,
            NotWellFormed,
            PolicyViolation,
            RemoteConnectionFailed,
            Reset,
            ResourceConstraint,
            RestrictedXml,
            SeeOtherHost,
            SystemShutdown,
            UndefinedCondition,
            UnsupportedEncoding,
            UnsupportedFeature,
            UnsupportedStanzaType,
            UnsupportedVersion,
        ]
    };

    /// The condition's element name, e.g. `host-unknown`.
    pub fn name(self) -> &'static str {
        use StreamErrorCondition::*;
        match self {
            BadFormat => "bad-format",
            BadNamespacePrefix => "bad-namespace-prefix",
            Conflict => "conflict",
            ConnectionTimeout => "connection-timeout",
            HostGone => "host-gone",
            HostUnknown => "host-unknown",
            ImproperAddressing => "improper-addressing",
            InternalServerError => "internal-server-error",
            InvalidFrom => "invalid-from",
            InvalidNamespace => "invalid-namespace",
            InvalidXml => "invalid-xml",
            NotAuthorized => "not-authorized",
            NotWellFormed => "not-well-formed",
            PolicyViolation => "policy-violation",
            RemoteConnectionFailed => "remote-connection-failed",
            Reset => "reset",
            ResourceConstraint => "resource-constraint",
            RestrictedXml => "restricted-xml",
            SeeOtherHost => "see-other-host",
            SystemShutdown => "system-shutdown",
            UndefinedCondition => "undefined-condition",
            UnsupportedEncoding => "unsupported-encoding",
            UnsupportedFeature => "unsupported-feature",
            UnsupportedStanzaType => "unsupported-stanza-type",
            UnsupportedVersion => "unsupported-version",
        }
    }

    /// Parses a condition element name.
    pub fn from_name(name: &str) -> Option<StreamErrorCondition> {
        StreamErrorCondition::ALL
            .into_iter()
            .find(|c| c.name() == name)
    }
}

/// Builds `<stream:error><condition xmlns='...xmpp-streams'/>[<text>..</text>]</stream:error>`.
///
/// For [`StreamErrorCondition::SeeOtherHost`], put the new host in the condition element's
/// text yourself (`child_mut`) if you need it.
pub fn stream_error(cond: StreamErrorCondition, text: Option<&str>) -> Element {
    let mut error =
        Element::new("error", ns::STREAMS).with_child(Element::new(cond.name(), ns::STREAM_ERRORS));
    if let Some(text) = text {
        error.push_child(Element::new("text", ns::STREAM_ERRORS).with_text(text));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for cond in StreamErrorCondition::ALL {
            assert_eq!(StreamErrorCondition::from_name(cond.name()), Some(cond));
        }
        assert_eq!(StreamErrorCondition::from_name("xml-not-well-formed"), None);
    }

    #[test]
    fn builds_the_error_element() {
        let el = stream_error(StreamErrorCondition::HostUnknown, None);
        assert!(el.is("error", ns::STREAMS));
        assert!(el.child("host-unknown", ns::STREAM_ERRORS).is_some());
        assert_eq!(el.elements().count(), 1);

        let el = stream_error(StreamErrorCondition::PolicyViolation, Some("too big"));
        let text = el.child("text", ns::STREAM_ERRORS).map(|t| t.text());
        assert_eq!(text.as_deref(), Some("too big"));
        assert_eq!(
            el.to_string_in(ns::STREAMS),
            "<error><policy-violation xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>\
             <text xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">too big</text></error>"
        );
    }
}
