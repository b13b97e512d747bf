//! The client side of DIGEST-MD5 (RFC 2831), used by `ec_console` to log in to a TCP
//! Control_Listener with the same mechanism Momentum's console used.

use rand::RngCore;

use super::SaslFailure;
use super::digest_md5::{DigestContext, digest_ha1};
use super::directives::{parse_directives, quote};

/// Computes the digest-response to a server challenge; `digest_uri` is `service/host`.
/// Returns the response and the `rspauth` value a genuine server will answer with.
pub fn respond(
    challenge: &[u8],
    user: &str,
    password: &str,
    digest_uri: &str,
) -> Result<(Vec<u8>, String), SaslFailure> {
    let directives = parse_directives(challenge)?;
    let value = |key: &str| {
        directives
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let nonce = value("nonce").ok_or(SaslFailure::MalformedRequest)?;
    let realm = String::from_utf8(value("realm").unwrap_or_default())
        .map_err(|_| SaslFailure::IncorrectEncoding)?;
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    let cnonce = hex::encode(random);
    let ha1 = digest_ha1(user, &realm, password);
    let context = DigestContext {
        ha1: &ha1,
        nonce: &nonce,
        cnonce: cnonce.as_bytes(),
        nc: b"00000001",
        authzid: None,
        digest_uri: digest_uri.as_bytes(),
    };
    let response = format!(
        "username={},realm={},nonce={},cnonce={},nc=00000001,qop=auth,digest-uri={},response={},charset=utf-8",
        quote(user),
        quote(&realm),
        quote(&String::from_utf8_lossy(&nonce)),
        quote(&cnonce),
        quote(digest_uri),
        context.digest(b"AUTHENTICATE:")
    );
    Ok((response.into_bytes(), context.digest(b":")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::digest_md5::DigestMd5Server;

    #[test]
    fn the_client_authenticates_against_the_server_and_checks_rspauth() {
        let mut server = DigestMd5Server::new("console", "console").with_service("ecconsole");
        let (response, expected_rspauth) =
            respond(&server.challenge(), "admin", "s3cret", "ecconsole/console").expect("response");
        assert_eq!(server.response(&response), Ok("admin".to_owned()));
        let rspauth = server
            .verify(&digest_ha1("admin", "console", "s3cret"))
            .expect("verified");
        assert_eq!(rspauth, format!("rspauth={expected_rspauth}").into_bytes());
    }

    #[test]
    fn a_wrong_password_is_refused() {
        let mut server = DigestMd5Server::new("console", "console").with_service("ecconsole");
        let (response, _) =
            respond(&server.challenge(), "admin", "wrong", "ecconsole/console").expect("response");
        assert!(server.response(&response).is_ok());
        assert_eq!(
            server.verify(&digest_ha1("admin", "console", "s3cret")),
            Err(SaslFailure::NotAuthorized)
        );
    }
}
