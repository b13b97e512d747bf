//! The error type of the XML layer, one variant per RFC 6120 stream error condition.

use thiserror::Error;

/// An error found while reading an XML stream. Each variant maps to exactly one RFC 6120
/// stream error condition (see [`XmlError::condition`]); the string is a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XmlError {
    /// The input is not well-formed XML (`not-well-formed`).
    #[error("not well-formed: {0}")]
    NotWellFormed(String),
    /// The input uses XML features XMPP forbids: DTDs, comments, processing instructions or
    /// entity references other than the predefined ones (`restricted-xml`).
    #[error("restricted XML: {0}")]
    RestrictedXml(String),
    /// A configured limit was exceeded: stanza size, depth, attributes or namespace bindings
    /// (`policy-violation`).
    #[error("policy violation: {0}")]
    PolicyViolation(String),
    /// The stream element is not in the `http://etherx.jabber.org/streams` namespace
    /// (`invalid-namespace`).
    #[error("invalid namespace: {0}")]
    InvalidNamespace(String),
    /// A prefix is used that no `xmlns:` declaration binds (`bad-namespace-prefix`).
    #[error("bad namespace prefix: {0}")]
    BadNamespacePrefix(String),
    /// The declared encoding is not UTF-8 or the bytes are not valid UTF-8
    /// (`unsupported-encoding`).
    #[error("unsupported encoding: {0}")]
    UnsupportedEncoding(String),
}

impl XmlError {
    /// The RFC 6120 stream error condition element name for this error.
    pub fn condition(&self) -> &'static str {
        match self {
            XmlError::NotWellFormed(_) => "not-well-formed",
            XmlError::RestrictedXml(_) => "restricted-xml",
            XmlError::PolicyViolation(_) => "policy-violation",
            XmlError::InvalidNamespace(_) => "invalid-namespace",
            XmlError::BadNamespacePrefix(_) => "bad-namespace-prefix",
            XmlError::UnsupportedEncoding(_) => "unsupported-encoding",
        }
    }

    /// Shorthand for a [`XmlError::NotWellFormed`] with a static detail.
    pub(crate) fn nwf(detail: &str) -> Self {
        XmlError::NotWellFormed(detail.to_owned())
    }
}

impl From<quick_xml::Error> for XmlError {
    fn from(e: quick_xml::Error) -> Self {
        match e {
            quick_xml::Error::Encoding(e) => XmlError::UnsupportedEncoding(e.to_string()),
            other => XmlError::NotWellFormed(other.to_string()),
        }
    }
}

impl From<quick_xml::events::attributes::AttrError> for XmlError {
    fn from(e: quick_xml::events::attributes::AttrError) -> Self {
        XmlError::NotWellFormed(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_rfc6120_names() {
        let cases = [
            (XmlError::NotWellFormed(String::new()), "not-well-formed"),
            (XmlError::RestrictedXml(String::new()), "restricted-xml"),
            (XmlError::PolicyViolation(String::new()), "policy-violation"),
            (
                XmlError::InvalidNamespace(String::new()),
                "invalid-namespace",
            ),
            (
                XmlError::BadNamespacePrefix(String::new()),
                "bad-namespace-prefix",
            ),
            (
                XmlError::UnsupportedEncoding(String::new()),
                "unsupported-encoding",
            ),
        ];
        for (err, name) in cases {
            assert_eq!(err.condition(), name);
        }
    }

    #[test]
    fn display_includes_detail() {
        assert_eq!(XmlError::nwf("x").to_string(), "not well-formed: x");
    }
}
