//! Server-side SASL (RFC 4422, RFC 6120 §6): the failure conditions and one pure state machine
//! per mechanism, plus the stored-secret format they read.

use impetus_xml::Element;

use crate::ns;

pub mod digest_md5;
pub mod digest_md5_client;
mod directives;
pub mod plain;
pub mod scram;
mod scram_hash;
mod scram_parse;
pub mod stored;
mod stored_hashed;

/// A SASL failure condition (RFC 6120 §6.5), sent inside `<failure/>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", self.name())]
pub enum SaslFailure {
    /// The client aborted the exchange.
    Aborted,
    /// The account is disabled.
    AccountDisabled,
    /// The credentials have expired.
    CredentialsExpired,
    /// The mechanism needs an encrypted stream.
    EncryptionRequired,
    /// The base64 data was invalid.
    IncorrectEncoding,
    /// The authorisation identity is invalid or not allowed.
    InvalidAuthzid,
    /// The mechanism is not supported or not offered.
    InvalidMechanism,
    /// The request is malformed.
    MalformedRequest,
    /// The mechanism is weaker than server policy allows.
    MechanismTooWeak,
    /// The credentials are wrong.
    NotAuthorized,
    /// A temporary error on the server side.
    TemporaryAuthFailure,
}

impl SaslFailure {
    /// Every condition, in RFC order.
    pub const ALL: [SaslFailure; 11] = [
        SaslFailure::Aborted,
        SaslFailure::AccountDisabled,
        SaslFailure::CredentialsExpired,
        SaslFailure::EncryptionRequired,
        SaslFailure::IncorrectEncoding,
        SaslFailure::InvalidAuthzid,
        SaslFailure::InvalidMechanism,
        SaslFailure::MalformedRequest,
        SaslFailure::MechanismTooWeak,
        SaslFailure::NotAuthorized,
        SaslFailure::TemporaryAuthFailure,
    ];

    /// The element name of the condition, e.g. `not-authorized`.
    pub fn name(self) -> &'static str {
        match self {
            SaslFailure::Aborted => "aborted",
            SaslFailure::AccountDisabled => "account-disabled",
            SaslFailure::CredentialsExpired => "credentials-expired",
            SaslFailure::EncryptionRequired => "encryption-required",
            SaslFailure::IncorrectEncoding => "incorrect-encoding",
            SaslFailure::InvalidAuthzid => "invalid-authzid",
            SaslFailure::InvalidMechanism => "invalid-mechanism",
            SaslFailure::MalformedRequest => "malformed-request",
            SaslFailure::MechanismTooWeak => "mechanism-too-weak",
            SaslFailure::NotAuthorized => "not-authorized",
            SaslFailure::TemporaryAuthFailure => "temporary-auth-failure",
        }
    }

    /// Parses a condition element name.
    pub fn from_name(name: &str) -> Option<SaslFailure> {
        SaslFailure::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Builds `<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><condition/>[<text>..</text>]</failure>`.
pub fn failure_element(failure: SaslFailure, text: Option<&str>) -> Element {
    let mut element =
        Element::new("failure", ns::SASL).with_child(Element::new(failure.name(), ns::SASL));
    if let Some(text) = text {
        element.push_child(Element::new("text", ns::SASL).with_text(text));
    }
    element
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for failure in SaslFailure::ALL {
            assert_eq!(SaslFailure::from_name(failure.name()), Some(failure));
            assert_eq!(failure.to_string(), failure.name());
        }
        assert_eq!(SaslFailure::from_name("bad-auth"), None);
    }

    #[test]
    fn builds_failure_elements() {
        assert_eq!(
            failure_element(SaslFailure::NotAuthorized, None).to_string_in(ns::CLIENT),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><not-authorized/></failure>"
        );
        let el = failure_element(SaslFailure::AccountDisabled, Some("call support"));
        assert!(el.child("account-disabled", ns::SASL).is_some());
        assert_eq!(
            el.child("text", ns::SASL).map(Element::text).as_deref(),
            Some("call support")
        );
    }
}
