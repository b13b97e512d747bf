//! The server side of DIGEST-MD5 (RFC 2831; historic since RFC 6331), kept for clients of the
//! Momentum-era deployments. It works from the stored `H(user:realm:password)` only.

use std::collections::HashMap;

use base64::prelude::*;
use md5::{Digest, Md5};
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::SaslFailure;
use super::directives::{parse_directives, quote};

/// RFC 2831 §2.1.2: a client response longer than this is refused.
const MAX_RESPONSE_BYTES: usize = 4096;

/// `H(username:realm:password)`, the per-user secret a server stores for DIGEST-MD5.
pub fn digest_ha1(user: &str, realm: &str, password: &str) -> [u8; 16] {
    Md5::digest(format!("{user}:{realm}:{password}").as_bytes()).into()
}

/// Where the exchange is.
#[derive(Debug)]
enum Stage {
    Response,
    Verify(Pending),
    Done,
}

/// What the client's digest-response established, waiting for [`DigestMd5Server::verify`].
#[derive(Debug)]
struct Pending {
    authzid: Option<Vec<u8>>,
    cnonce: Vec<u8>,
    nc: Vec<u8>,
    digest_uri: Vec<u8>,
    response: Vec<u8>,
}

/// One server-side DIGEST-MD5 exchange: `challenge`, `response`, `verify`, in order.
///
/// After a successful `verify` the caller sends the returned `rspauth` challenge, and on the
/// client's empty reply, success.
#[derive(Debug)]
pub struct DigestMd5Server {
    realm: String,
    host: String,
    service: String,
    nonce: String,
    stage: Stage,
    authzid: Option<String>,
}

impl DigestMd5Server {
    /// Starts an exchange in `realm` for the server `host` (the digest-uri is `xmpp/host`).
    pub fn new(realm: &str, host: &str) -> Self {
        let mut nonce = [0u8; 18];
        rand::rng().fill_bytes(&mut nonce);
        DigestMd5Server {
            realm: realm.to_owned(),
            host: host.to_owned(),
            service: "xmpp".to_owned(),
            nonce: BASE64_STANDARD.encode(nonce),
            stage: Stage::Response,
            authzid: None,
        }
    }

    /// Changes the digest-uri service name (default `xmpp`).
    pub fn with_service(mut self, service: &str) -> Self {
        self.service = service.to_owned();
        self
    }

    /// Replaces the random nonce. Only for reproducible tests.
    pub fn with_nonce(mut self, nonce: &str) -> Self {
        self.nonce = nonce.to_owned();
        self
    }

    /// The first challenge: realm, nonce, `qop="auth"`, `charset=utf-8`, `algorithm=md5-sess`.
    pub fn challenge(&self) -> Vec<u8> {
        format!(
            "realm={},nonce={},qop=\"auth\",charset=utf-8,algorithm=md5-sess",
            quote(&self.realm),
            quote(&self.nonce)
        )
        .into_bytes()
    }

    /// The authorisation identity the client asked for, if any (after `response`).
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// Parses and checks the client's digest-response; returns the user name whose stored
    /// secret the caller passes to [`DigestMd5Server::verify`]. Any failure ends the exchange.
    pub fn response(&mut self, msg: &[u8]) -> Result<String, SaslFailure> {
        if !matches!(
            std::mem::replace(&mut self.stage, Stage::Done),
            Stage::Response
        ) || msg.len() > MAX_RESPONSE_BYTES
        {
            return Err(SaslFailure::MalformedRequest);
        }
        let mut fields = HashMap::new();
        for (key, value) in parse_directives(msg)? {
            if fields.insert(key, value).is_some() {
                return Err(SaslFailure::MalformedRequest);
            }
        }
        let mut take = |key: &str| fields.remove(key);
        let utf8 = match take("charset").as_deref() {
            None => false,
            Some(b"utf-8") => true,
            Some(_) => return Err(SaslFailure::MalformedRequest),
        };
        let required = |v: Option<Vec<u8>>| {
            v.filter(|v| !v.is_empty())
                .ok_or(SaslFailure::MalformedRequest)
        };
        let username = decode_text(&required(take("username"))?, utf8)?;
        let realm = take("realm").unwrap_or_default();
        let nonce = required(take("nonce"))?;
        let cnonce = required(take("cnonce"))?;
        let nc = required(take("nc"))?;
        let digest_uri = required(take("digest-uri"))?;
        let response = required(take("response"))?;
        let qop = take("qop").unwrap_or_else(|| b"auth".to_vec());
        let authzid = take("authzid").filter(|a| !a.is_empty());

        let expected_uri = format!("{}/{}", self.service, self.host);
        if qop != b"auth" || nc != b"00000001" || response.len() != 32 {
            return Err(SaslFailure::MalformedRequest);
        }
        if realm != self.realm.as_bytes()
            || nonce != self.nonce.as_bytes()
            || !digest_uri.eq_ignore_ascii_case(expected_uri.as_bytes())
        {
            return Err(SaslFailure::NotAuthorized);
        }
        self.authzid = authzid
            .as_deref()
            .map(|a| decode_text(a, utf8))
            .transpose()?;
        self.stage = Stage::Verify(Pending {
            authzid,
            cnonce,
            nc,
            digest_uri,
            response,
        });
        Ok(username)
    }

    /// Checks the client's response against the stored `H(username:realm:password)` in
    /// constant time and returns the `rspauth=...` challenge proving the server knew it too.
    pub fn verify(&mut self, ha1_user_realm_pass: &[u8; 16]) -> Result<Vec<u8>, SaslFailure> {
        let Stage::Verify(pending) = std::mem::replace(&mut self.stage, Stage::Done) else {
            return Err(SaslFailure::MalformedRequest);
        };
        let context = DigestContext {
            ha1: ha1_user_realm_pass,
            nonce: self.nonce.as_bytes(),
            cnonce: &pending.cnonce,
            nc: &pending.nc,
            authzid: pending.authzid.as_deref(),
            digest_uri: &pending.digest_uri,
        };
        let kd = |a2_prefix: &[u8]| context.digest(a2_prefix);
        let expected = kd(b"AUTHENTICATE:");
        if bool::from(
            pending
                .response
                .to_ascii_lowercase()
                .ct_eq(expected.as_bytes()),
        ) {
            Ok(format!("rspauth={}", kd(b":")).into_bytes())
        } else {
            Err(SaslFailure::NotAuthorized)
        }
    }
}

/// The values both sides hash (RFC 2831 §2.1.2.1), with `qop=auth`.
pub(crate) struct DigestContext<'a> {
    /// H(username:realm:password).
    pub ha1: &'a [u8; 16],
    /// The server's nonce.
    pub nonce: &'a [u8],
    /// The client's nonce.
    pub cnonce: &'a [u8],
    /// The nonce count (`00000001`).
    pub nc: &'a [u8],
    /// The authorization id, if sent.
    pub authzid: Option<&'a [u8]>,
    /// `service/host`.
    pub digest_uri: &'a [u8],
}

impl DigestContext<'_> {
    /// The response digest: `a2_prefix` is `AUTHENTICATE:` for the client's response and `:`
    /// for the server's `rspauth`.
    pub(crate) fn digest(&self, a2_prefix: &[u8]) -> String {
        let mut a1 = self.ha1.to_vec();
        for part in [self.nonce, self.cnonce] {
            a1.push(b':');
            a1.extend_from_slice(part);
        }
        if let Some(authzid) = self.authzid {
            a1.push(b':');
            a1.extend_from_slice(authzid);
        }
        let ha1 = hex::encode(Md5::digest(&a1));
        let ha2 = hex::encode(Md5::digest([a2_prefix, self.digest_uri].concat()));
        let parts: [&[u8]; 6] = [
            ha1.as_bytes(),
            self.nonce,
            self.nc,
            self.cnonce,
            b"auth",
            ha2.as_bytes(),
        ];
        hex::encode(Md5::digest(parts.join(&b':')))
    }
}

/// Directive text: UTF-8 when the client said `charset=utf-8`, otherwise ISO 8859-1.
fn decode_text(bytes: &[u8], utf8: bool) -> Result<String, SaslFailure> {
    if utf8 {
        String::from_utf8(bytes.to_vec()).map_err(|_| SaslFailure::MalformedRequest)
    } else {
        Ok(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_RESPONSE: &str = "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",\
        nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",\
        digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7,qop=auth";

    fn rfc_server() -> DigestMd5Server {
        DigestMd5Server::new("elwood.innosoft.com", "elwood.innosoft.com")
            .with_service("imap")
            .with_nonce("OA6MG9tEQGm2hh")
    }

    fn chris() -> [u8; 16] {
        digest_ha1("chris", "elwood.innosoft.com", "secret")
    }

    #[test]
    fn rfc2831_example() {
        let mut server = rfc_server();
        assert_eq!(
            String::from_utf8(server.challenge()).unwrap(),
            "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",charset=utf-8,\
             algorithm=md5-sess"
        );
        assert_eq!(
            server.response(RFC_RESPONSE.as_bytes()),
            Ok("chris".to_owned())
        );
        assert_eq!(server.authzid(), None);
        assert_eq!(
            server.verify(&chris()),
            Ok(b"rspauth=ea40f60335c427b5527b84dbabcdfffd".to_vec())
        );
        assert_eq!(server.verify(&chris()), Err(SaslFailure::MalformedRequest));
    }

    #[test]
    fn wrong_secret_fails() {
        let mut server = rfc_server();
        server.response(RFC_RESPONSE.as_bytes()).unwrap();
        let wrong = digest_ha1("chris", "elwood.innosoft.com", "Secret");
        assert_eq!(server.verify(&wrong), Err(SaslFailure::NotAuthorized));
    }

    #[test]
    fn mismatched_context_is_refused() {
        let cases = [
            (
                "imap/elwood.innosoft.com",
                "xmpp/elwood.innosoft.com",
                SaslFailure::NotAuthorized,
            ),
            (
                "nonce=\"OA6MG9tEQGm2hh\"",
                "nonce=\"other\"",
                SaslFailure::NotAuthorized,
            ),
            (
                "realm=\"elwood.innosoft.com\"",
                "realm=\"evil\"",
                SaslFailure::NotAuthorized,
            ),
            ("nc=00000001", "nc=00000002", SaslFailure::MalformedRequest),
            ("qop=auth", "qop=auth-int", SaslFailure::MalformedRequest),
            (
                "charset=utf-8",
                "charset=latin1",
                SaslFailure::MalformedRequest,
            ),
            (
                "username=\"chris\"",
                "username=\"\"",
                SaslFailure::MalformedRequest,
            ),
            (
                "cnonce=\"OA6MHXh6VqTrRk\",",
                "",
                SaslFailure::MalformedRequest,
            ),
            (
                "qop=auth",
                "qop=auth,nc=00000001",
                SaslFailure::MalformedRequest,
            ),
            (
                "response=d388",
                "response=\"\"",
                SaslFailure::MalformedRequest,
            ),
            (
                "realm=",
                "realm=\"unterminated",
                SaslFailure::MalformedRequest,
            ),
        ];
        for (from, to, expected) in cases {
            let msg = RFC_RESPONSE.replace(from, to);
            assert_eq!(
                rfc_server().response(msg.as_bytes()),
                Err(expected),
                "{msg}"
            );
        }
        let mut server = rfc_server();
        assert!(server.response(b"garbage").is_err());
        assert_eq!(
            server.response(RFC_RESPONSE.as_bytes()),
            Err(SaslFailure::MalformedRequest)
        );
        assert_eq!(server.verify(&chris()), Err(SaslFailure::MalformedRequest));
        let huge = vec![b' '; MAX_RESPONSE_BYTES + 1];
        assert_eq!(
            rfc_server().response(&huge),
            Err(SaslFailure::MalformedRequest)
        );
    }

    /// What a client sends, computed here from the RFC 2831 formulas.
    fn client_response(authzid: &str, cnonce: &str, nonce: &str) -> String {
        let h = |data: &[u8]| Md5::digest(data);
        let mut a1 = chris().to_vec();
        a1.extend_from_slice(format!(":{nonce}:{cnonce}:{authzid}").as_bytes());
        let ha1 = hex::encode(h(&a1));
        let ha2 = hex::encode(h(b"AUTHENTICATE:xmpp/example.com"));
        let kd = format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}");
        format!(
            "username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"{nonce}\",\
             cnonce=\"{cnonce}\",nc=00000001,qop=auth,digest-uri=\"xmpp/example.com\",\
             response={},charset=utf-8,authzid=\"{authzid}\"",
            hex::encode(h(kd.as_bytes()))
        )
    }

    #[test]
    fn authzid_is_bound_into_the_digest() {
        let start = || DigestMd5Server::new("elwood.innosoft.com", "example.com").with_nonce("N1");
        let mut server = start();
        let msg = client_response("chris@example.com", "C1", "N1");
        assert_eq!(server.response(msg.as_bytes()), Ok("chris".to_owned()));
        assert_eq!(server.authzid(), Some("chris@example.com"));
        assert!(server.verify(&chris()).unwrap().starts_with(b"rspauth="));

        let mut server = start();
        let tampered = msg.replace("authzid=\"chris@", "authzid=\"admin@");
        server.response(tampered.as_bytes()).unwrap();
        assert_eq!(server.verify(&chris()), Err(SaslFailure::NotAuthorized));
    }

    #[test]
    fn latin1_without_charset() {
        let msg = b"username=\"ren\xe9\",realm=\"r\",nonce=\"N\",cnonce=\"C\",nc=00000001,\
            digest-uri=\"xmpp/h\",response=00000000000000000000000000000000";
        let mut server = DigestMd5Server::new("r", "h").with_nonce("N");
        assert_eq!(server.response(msg), Ok("ren\u{e9}".to_owned()));
        assert_eq!(server.verify(&[0; 16]), Err(SaslFailure::NotAuthorized));
    }
}
