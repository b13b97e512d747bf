//! Parsing of the two SCRAM client messages (RFC 5802 §5.1 and §7): the GS2 header,
//! attribute lists and `saslname` escaping.

use base64::prelude::*;

use super::SaslFailure;

/// The GS2 channel-binding flag the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CbFlag {
    /// `n`: the client does not support channel binding.
    NotSupported,
    /// `y`: the client supports it but thinks the server does not.
    ClientOnly,
    /// `p=<cb-name>`: the client uses this channel-binding type.
    Used(String),
}

/// A parsed client-first-message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ClientFirst<'a> {
    /// The channel-binding flag.
    pub flag: CbFlag,
    /// The decoded `a=` authorisation identity, if any.
    pub authzid: Option<String>,
    /// The GS2 header exactly as sent, including its final comma.
    pub gs2_header: &'a str,
    /// client-first-message-bare, part of the AuthMessage.
    pub bare: &'a str,
    /// The decoded `n=` user name.
    pub username: String,
    /// The client nonce.
    pub nonce: &'a str,
}

/// A parsed client-final-message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ClientFinal<'a> {
    /// client-final-message-without-proof, part of the AuthMessage.
    pub without_proof: &'a str,
    /// The decoded `c=` value (GS2 header plus channel-binding data).
    pub channel_binding: Vec<u8>,
    /// The combined client and server nonce.
    pub nonce: &'a str,
    /// The decoded `p=` client proof.
    pub proof: Vec<u8>,
}

const MALFORMED: SaslFailure = SaslFailure::MalformedRequest;

/// Parses `gs2-header client-first-message-bare`.
pub(crate) fn parse_client_first(msg: &[u8]) -> Result<ClientFirst<'_>, SaslFailure> {
    let msg = std::str::from_utf8(msg).map_err(|_| MALFORMED)?;
    let (flag, rest) = msg.split_once(',').ok_or(MALFORMED)?;
    let flag = match flag {
        "n" => CbFlag::NotSupported,
        "y" => CbFlag::ClientOnly,
        _ => {
            let name = flag.strip_prefix("p=").ok_or(MALFORMED)?;
            let valid = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
            if name.is_empty() || !name.chars().all(valid) {
                return Err(MALFORMED);
            }
            CbFlag::Used(name.to_owned())
        }
    };
    let (authzid, bare) = rest.split_once(',').ok_or(MALFORMED)?;
    let authzid = match authzid {
        "" | "a=" => None,
        _ => Some(decode_saslname(attr(authzid, 'a')?)?),
    };
    let gs2_header = &msg[..msg.len() - bare.len()];
    let mut parts = bare.split(',');
    // A leading `m=` is a mandatory extension we do not know: RFC 5802 says fail.
    let username = decode_saslname(attr(parts.next().ok_or(MALFORMED)?, 'n')?)?;
    let nonce = attr(parts.next().ok_or(MALFORMED)?, 'r')?;
    if username.is_empty() || !is_valid_nonce(nonce) {
        return Err(MALFORMED);
    }
    Ok(ClientFirst {
        flag,
        authzid,
        gs2_header,
        bare,
        username,
        nonce,
    })
}

/// Parses `c=...,r=...[,ext...],p=...`.
pub(crate) fn parse_client_final(msg: &[u8]) -> Result<ClientFinal<'_>, SaslFailure> {
    let msg = std::str::from_utf8(msg).map_err(|_| MALFORMED)?;
    let (without_proof, proof) = msg.rsplit_once(",p=").ok_or(MALFORMED)?;
    let mut parts = without_proof.split(',');
    let channel_binding = attr(parts.next().ok_or(MALFORMED)?, 'c')?;
    let nonce = attr(parts.next().ok_or(MALFORMED)?, 'r')?;
    Ok(ClientFinal {
        without_proof,
        channel_binding: BASE64_STANDARD
            .decode(channel_binding)
            .map_err(|_| MALFORMED)?,
        nonce,
        proof: BASE64_STANDARD.decode(proof).map_err(|_| MALFORMED)?,
    })
}

/// The value of a `k=value` attribute whose key must be `key`.
fn attr(part: &str, key: char) -> Result<&str, SaslFailure> {
    part.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix('='))
        .ok_or(MALFORMED)
}

/// Undoes the `=2C` / `=3D` escaping of a saslname; any other `=` is malformed.
pub(crate) fn decode_saslname(s: &str) -> Result<String, SaslFailure> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('=') {
        out.push_str(&rest[..pos]);
        let escape = rest.get(pos..pos + 3).ok_or(MALFORMED)?;
        out.push(match escape {
            "=2C" => ',',
            "=3D" => '=',
            _ => return Err(MALFORMED),
        });
        rest = &rest[pos + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A nonce is printable ASCII without `,` (RFC 5802 `printable`).
pub(crate) fn is_valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_first_variants() {
        let first = parse_client_first(b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL").unwrap();
        assert_eq!(first.flag, CbFlag::NotSupported);
        assert_eq!(first.gs2_header, "n,,");
        assert_eq!(first.bare, "n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        assert_eq!(
            (first.username.as_str(), first.nonce),
            ("user", "fyko+d2lbbFgONRv9qkxdawL")
        );

        let first = parse_client_first(b"p=tls-exporter,a=us=2Cer,n=us=2Cer,r=abc,x=ext").unwrap();
        assert_eq!(first.flag, CbFlag::Used("tls-exporter".into()));
        assert_eq!(first.authzid.as_deref(), Some("us,er"));
        assert_eq!(first.gs2_header, "p=tls-exporter,a=us=2Cer,");
        assert_eq!(first.username, "us,er");

        assert_eq!(
            parse_client_first(b"y,,n=a=3Db,r=x").unwrap().flag,
            CbFlag::ClientOnly
        );
    }

    #[test]
    fn rejects_malformed_client_first() {
        for bad in [
            &b""[..],
            b"n",
            b"n,",
            b"x,,n=user,r=abc",
            b"p=,,n=user,r=abc",
            b"p=tls unique,,n=user,r=abc",
            b"n,b=x,n=user,r=abc",
            b"n,,m=ext,n=user,r=abc",
            b"n,,n=user",
            b"n,,n=,r=abc",
            b"n,,n=us=2er,r=abc",
            b"n,,n=user=,r=abc",
            b"n,,n=user,r=",
            b"n,,n=user,r=a\x7fb",
            b"n,,r=abc,n=user",
            b"n,,n=\xff,r=abc",
        ] {
            assert_eq!(
                parse_client_first(bad),
                Err(MALFORMED),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn parses_client_final() {
        let fin = parse_client_final(b"c=biws,r=abcdef,p=dHpi").unwrap();
        assert_eq!(fin.without_proof, "c=biws,r=abcdef");
        assert_eq!(fin.channel_binding, b"n,,");
        assert_eq!(fin.nonce, "abcdef");
        assert_eq!(fin.proof, b"tzb");
        for bad in [
            &b"c=biws,r=abc"[..],
            b"r=abc,c=biws,p=dHpi",
            b"c=!!,r=a,p=dHpi",
            b"c=biws,r=a,p=!",
        ] {
            assert_eq!(parse_client_final(bad), Err(MALFORMED));
        }
    }
}
