//! The client side of SASL PLAIN (RFC 4616) and SCRAM-SHA-* (RFC 5802, RFC 7677) as pure
//! functions and a small state machine; the login code moves the bytes.

use base64::prelude::*;
use rand::RngCore;

use crate::keycache::KeyCache;

/// A SASL mechanism the load tool can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// PLAIN (RFC 4616).
    Plain,
    /// SCRAM over the given hash, without channel binding.
    Scram(ScramHash),
}

impl Mechanism {
    /// The registered mechanism name.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Scram(ScramHash::Sha1) => "SCRAM-SHA-1",
            Mechanism::Scram(ScramHash::Sha256) => "SCRAM-SHA-256",
            Mechanism::Scram(ScramHash::Sha512) => "SCRAM-SHA-512",
        }
    }

    /// Parses a mechanism name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Mechanism> {
        [
            Mechanism::Plain,
            Mechanism::Scram(ScramHash::Sha1),
            Mechanism::Scram(ScramHash::Sha256),
            Mechanism::Scram(ScramHash::Sha512),
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

pub use impetus_xmpp_proto::sasl::scram::ScramHash;

/// Why a client-side SASL step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    /// The server's message could not be parsed.
    #[error("malformed server message: {0}")]
    Malformed(&'static str),
    /// The server's nonce does not extend ours.
    #[error("server nonce does not start with the client nonce")]
    Nonce,
    /// The server signature did not verify: the server does not know the password.
    #[error("server signature mismatch")]
    ServerSignature,
}

/// The PLAIN initial response: `\0user\0password`.
pub fn plain_response(username: &str, password: &str) -> Vec<u8> {
    format!("\0{username}\0{password}").into_bytes()
}

/// One client-side SCRAM exchange (no channel binding, gs2 header `n,,`).
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    first_bare: String,
    nonce: String,
    server_signature: Vec<u8>,
}

impl ScramClient {
    /// Starts an exchange with a random client nonce.
    pub fn new(hash: ScramHash, username: &str, password: &str) -> Self {
        let mut raw = [0u8; 18];
        rand::rng().fill_bytes(&mut raw);
        Self::with_nonce(hash, username, password, &BASE64_STANDARD.encode(raw))
    }

    /// Starts an exchange with a fixed nonce (test vectors).
    pub fn with_nonce(hash: ScramHash, username: &str, password: &str, nonce: &str) -> Self {
        let name = username.replace('=', "=3D").replace(',', "=2C");
        ScramClient {
            hash,
            password: password.to_owned(),
            first_bare: format!("n={name},r={nonce}"),
            nonce: nonce.to_owned(),
            server_signature: Vec::new(),
        }
    }

    /// The client-first-message.
    pub fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.first_bare).into_bytes()
    }

    /// Answers the server-first-message with the client-final-message. The salted password is
    /// taken from `cache` when this salt and iteration count were seen before.
    pub fn client_final(
        &mut self,
        server_first: &[u8],
        cache: &KeyCache,
    ) -> Result<Vec<u8>, SaslError> {
        let text = std::str::from_utf8(server_first).map_err(|_| SaslError::Malformed("utf-8"))?;
        let (mut nonce, mut salt, mut iterations) = (None, None, None);
        for part in text.split(',') {
            match part.split_once('=') {
                Some(("r", v)) => nonce = Some(v),
                Some(("s", v)) => salt = BASE64_STANDARD.decode(v).ok(),
                Some(("i", v)) => iterations = v.parse::<u32>().ok(),
                Some(("m", _)) => return Err(SaslError::Malformed("mandatory extension")),
                _ => {}
            }
        }
        let nonce = nonce.ok_or(SaslError::Malformed("no nonce"))?;
        let salt = salt.ok_or(SaslError::Malformed("no salt"))?;
        let iterations = iterations
            .filter(|&i| i > 0)
            .ok_or(SaslError::Malformed("no iteration count"))?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(SaslError::Nonce);
        }
        let h = self.hash;
        let salted = cache.salted_password(h, &self.password, &salt, iterations);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{text},{without_proof}", self.first_bare);
        let client_key = h.hmac(&salted, b"Client Key");
        let signature = h.hmac(&h.hash(&client_key), auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = h.hmac(&salted, b"Server Key");
        self.server_signature = h.hmac(&server_key, auth_message.as_bytes());
        Ok(format!("{without_proof},p={}", BASE64_STANDARD.encode(proof)).into_bytes())
    }

    /// Checks the server-final-message (`v=<ServerSignature>`).
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<(), SaslError> {
        let text = std::str::from_utf8(server_final).map_err(|_| SaslError::Malformed("utf-8"))?;
        let value = text
            .strip_prefix("v=")
            .ok_or(SaslError::Malformed("no verifier"))?;
        match BASE64_STANDARD.decode(value) {
            Ok(v) if !self.server_signature.is_empty() && v == self.server_signature => Ok(()),
            _ => Err(SaslError::ServerSignature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xmpp_proto::sasl::scram::{ChannelBinding, ScramCredentials, ScramServer};

    #[test]
    fn rfc7677_sha256_vector() {
        let cache = KeyCache::default();
        let mut c =
            ScramClient::with_nonce(ScramHash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(c.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let fin = c.client_final(first, &cache).expect("valid server-first");
        assert_eq!(
            String::from_utf8(fin).expect("ascii"),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            c.verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Ok(())
        );
        assert_eq!(
            c.verify_server_final(b"v=AAAA"),
            Err(SaslError::ServerSignature)
        );
    }

    #[test]
    fn rfc5802_sha1_vector() {
        let cache = KeyCache::default();
        let mut c = ScramClient::with_nonce(
            ScramHash::Sha1,
            "user",
            "pencil",
            "fyko+d2lbbFgONRv9qkxdawL",
        );
        let first = b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        let fin = c.client_final(first, &cache).expect("valid server-first");
        assert_eq!(
            String::from_utf8(fin).expect("ascii"),
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert_eq!(
            c.verify_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="),
            Ok(())
        );
    }

    #[test]
    fn full_exchange_against_the_impetus_server_state_machine() {
        let cache = KeyCache::default();
        for hash in [ScramHash::Sha1, ScramHash::Sha256, ScramHash::Sha512] {
            let server_hash = match hash {
                ScramHash::Sha1 => impetus_xmpp_proto::sasl::scram::ScramHash::Sha1,
                ScramHash::Sha256 => impetus_xmpp_proto::sasl::scram::ScramHash::Sha256,
                ScramHash::Sha512 => impetus_xmpp_proto::sasl::scram::ScramHash::Sha512,
            };
            let creds = ScramCredentials::derive(server_hash, "s3cret", b"salty-salt", 64);
            for (password, ok) in [("s3cret", true), ("wrong", false)] {
                let mut server = ScramServer::new(server_hash, false, ChannelBinding::default());
                let mut client = ScramClient::new(hash, "a,b=c", password);
                let user = server.client_first(&client.client_first()).expect("first");
                assert_eq!(user, "a,b=c");
                let server_first = server.server_first(Some(&creds));
                let fin = client.client_final(&server_first, &cache).expect("final");
                match server.client_final(&fin) {
                    Ok(v) => {
                        assert!(ok);
                        assert_eq!(client.verify_server_final(&v), Ok(()));
                    }
                    Err(_) => assert!(!ok),
                }
            }
        }
    }

    #[test]
    fn rejects_bad_server_first() {
        let cache = KeyCache::default();
        let mut c = ScramClient::with_nonce(ScramHash::Sha256, "u", "p", "abc");
        assert_eq!(
            c.client_final(b"r=xyz1,s=AAAA,i=1", &cache),
            Err(SaslError::Nonce)
        );
        assert_eq!(
            c.client_final(b"r=abc,s=AAAA,i=1", &cache),
            Err(SaslError::Nonce)
        );
        assert!(c.client_final(b"r=abc1,i=1", &cache).is_err());
        assert!(c.client_final(b"r=abc1,s=AAAA,i=0", &cache).is_err());
        assert!(c.client_final(b"m=x,r=abc1,s=AAAA,i=1", &cache).is_err());
        assert_eq!(
            c.verify_server_final(b"v=AAAA"),
            Err(SaslError::ServerSignature)
        );
    }

    #[test]
    fn mechanism_names_and_plain() {
        for name in ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
            assert_eq!(Mechanism::from_name(name).map(Mechanism::name), Some(name));
        }
        assert_eq!(
            Mechanism::from_name("scram-sha-256"),
            Some(Mechanism::Scram(ScramHash::Sha256))
        );
        assert_eq!(Mechanism::from_name("DIGEST-MD5"), None);
        assert_eq!(plain_response("u", "p"), b"\0u\0p");
    }
}
