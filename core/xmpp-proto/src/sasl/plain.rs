//! The SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`.

use std::fmt;

use super::SaslFailure;

/// A decoded PLAIN message. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// The identity to act as, when the client asked for one.
    pub authzid: Option<String>,
    /// The identity whose password this is (the user name).
    pub authcid: String,
    /// The cleartext password.
    pub password: String,
}

impl fmt::Debug for PlainCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainCredentials")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Splits a PLAIN message. Exactly two NULs, UTF-8, and a non-empty authcid and password are
/// required; anything else is `malformed-request`.
pub fn parse_plain(msg: &[u8]) -> Result<PlainCredentials, SaslFailure> {
    let text = std::str::from_utf8(msg).map_err(|_| SaslFailure::MalformedRequest)?;
    let mut parts = text.split('\0');
    let (Some(authzid), Some(authcid), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslFailure::MalformedRequest);
    };
    if authcid.is_empty() || password.is_empty() {
        return Err(SaslFailure::MalformedRequest);
    }
    Ok(PlainCredentials {
        authzid: (!authzid.is_empty()).then(|| authzid.to_owned()),
        authcid: authcid.to_owned(),
        password: password.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_authzid() {
        let creds = parse_plain(b"\0tim\0tanstaaftanstaaf").unwrap();
        assert_eq!(creds.authzid, None);
        assert_eq!(creds.authcid, "tim");
        assert_eq!(creds.password, "tanstaaftanstaaf");

        let creds = parse_plain("Ursel\0Kurt\0xipj3plmq\u{e9}".as_bytes()).unwrap();
        assert_eq!(creds.authzid.as_deref(), Some("Ursel"));
        assert_eq!(creds.authcid, "Kurt");
        assert_eq!(creds.password, "xipj3plmq\u{e9}");
        assert!(!format!("{creds:?}").contains("xipj3plmq"));
    }

    #[test]
    fn rejects_malformed_messages() {
        for bad in [
            &b""[..],
            b"tim",
            b"\0tim",
            b"\0tim\0",
            b"\0\0secret",
            b"\0tim\0pass\0extra",
            b"\0tim\0\xff\xfe",
        ] {
            assert_eq!(
                parse_plain(bad),
                Err(SaslFailure::MalformedRequest),
                "{bad:?}"
            );
        }
    }
}
