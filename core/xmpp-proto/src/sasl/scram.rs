//! The server side of SCRAM-SHA-* and SCRAM-SHA-*-PLUS (RFC 5802, RFC 7677) as a pure state
//! machine: the caller moves bytes, this file decides.

use std::sync::OnceLock;

use base64::prelude::*;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::SaslFailure;
use super::scram_parse::{CbFlag, parse_client_final, parse_client_first};

pub use super::scram_hash::{ScramCredentials, ScramHash};

/// Iteration count announced for unknown users unless [`ScramServer::with_decoy`] says otherwise.
pub const DEFAULT_DECOY_ITERATIONS: u32 = 4096;

/// A TLS channel-binding type usable with the `-PLUS` mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CbType {
    /// `tls-exporter` (RFC 9266).
    TlsExporter,
    /// `tls-server-end-point` (RFC 5929).
    TlsServerEndPoint,
}

impl CbType {
    /// The registered name, as sent in `p=`.
    pub fn name(self) -> &'static str {
        match self {
            CbType::TlsExporter => "tls-exporter",
            CbType::TlsServerEndPoint => "tls-server-end-point",
        }
    }

    /// Parses a registered channel-binding name.
    pub fn from_name(name: &str) -> Option<CbType> {
        [CbType::TlsExporter, CbType::TlsServerEndPoint]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// What the connection knows about channel binding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelBinding {
    /// True when the server offered `-PLUS` mechanisms on this connection (downgrade detection).
    pub server_supports_plus: bool,
    /// The channel-binding types this TLS connection offers, with their data; the client
    /// picks one (RFC 5802 §6).
    pub data: Vec<(CbType, Vec<u8>)>,
}

/// Where the exchange is.
#[derive(Debug)]
enum Stage {
    ClientFirst,
    ServerFirst(First),
    ClientFinal(First, Second),
    Done,
}

/// What the client-first-message established.
#[derive(Debug)]
struct First {
    username: String,
    gs2_header: String,
    bare: String,
    client_nonce: String,
    cb_data: Vec<u8>,
}

/// What the server-first-message established.
#[derive(Debug)]
struct Second {
    message: String,
    nonce: String,
    creds: ScramCredentials,
    known_user: bool,
}

/// One server-side SCRAM exchange: `client_first`, `server_first`, `client_final`, in order.
///
/// Any error ends the exchange; later calls fail with `malformed-request`.
#[derive(Debug)]
pub struct ScramServer {
    hash: ScramHash,
    plus: bool,
    cb: ChannelBinding,
    server_nonce: String,
    decoy_secret: Vec<u8>,
    decoy_iterations: u32,
    stage: Stage,
}

impl ScramServer {
    /// Starts an exchange for `hash`; `plus` is true for the `-PLUS` mechanism.
    pub fn new(hash: ScramHash, plus: bool, cb: ChannelBinding) -> Self {
        let mut nonce = [0u8; 18];
        rand::rng().fill_bytes(&mut nonce);
        ScramServer {
            hash,
            plus,
            cb,
            server_nonce: BASE64_STANDARD.encode(nonce),
            decoy_secret: process_secret().to_vec(),
            decoy_iterations: DEFAULT_DECOY_ITERATIONS,
            stage: Stage::ClientFirst,
        }
    }

    /// Replaces the random server nonce. Only for reproducible tests; the nonce must be
    /// printable ASCII without `,`.
    pub fn with_server_nonce(mut self, nonce: &str) -> Self {
        self.server_nonce = nonce.to_owned();
        self
    }

    /// Sets the secret and iteration count used to answer for unknown users. Pass a stable
    /// secret (and the usual iteration count) so fake salts stay the same across restarts;
    /// by default a random per-process secret is used.
    pub fn with_decoy(mut self, secret: &[u8], iterations: u32) -> Self {
        self.decoy_secret = secret.to_vec();
        self.decoy_iterations = iterations.max(1);
        self
    }

    /// The user name of the exchange, between an accepted client-first-message and the end of
    /// the exchange.
    pub fn username(&self) -> Option<&str> {
        match &self.stage {
            Stage::ServerFirst(first) | Stage::ClientFinal(first, _) => Some(&first.username),
            Stage::ClientFirst | Stage::Done => None,
        }
    }

    /// Handles the client-first-message and returns the (saslname-decoded) user name whose
    /// credentials the caller must look up for [`ScramServer::server_first`].
    pub fn client_first(&mut self, msg: &[u8]) -> Result<String, SaslFailure> {
        match self.accept_client_first(msg) {
            Ok(first) => {
                let username = first.username.clone();
                self.stage = Stage::ServerFirst(first);
                Ok(username)
            }
            Err(failure) => {
                self.stage = Stage::Done;
                Err(failure)
            }
        }
    }

    fn accept_client_first(&self, msg: &[u8]) -> Result<First, SaslFailure> {
        if !matches!(self.stage, Stage::ClientFirst) {
            return Err(SaslFailure::MalformedRequest);
        }
        let first = parse_client_first(msg)?;
        let cb_data = match (&first.flag, self.plus) {
            (CbFlag::NotSupported, false) => Vec::new(),
            (CbFlag::ClientOnly, false) if self.cb.server_supports_plus => {
                // The client could bind but believes we cannot: someone stripped -PLUS.
                return Err(SaslFailure::NotAuthorized);
            }
            (CbFlag::ClientOnly, false) => Vec::new(),
            (CbFlag::Used(name), true) => match self
                .cb
                .data
                .iter()
                .find(|(cb_type, _)| cb_type.name() == name)
            {
                Some((_, data)) => data.clone(),
                None => return Err(SaslFailure::NotAuthorized),
            },
            _ => return Err(SaslFailure::MalformedRequest),
        };
        if first.authzid.as_ref().is_some_and(|a| *a != first.username) {
            return Err(SaslFailure::InvalidAuthzid);
        }
        Ok(First {
            username: first.username,
            gs2_header: first.gs2_header.to_owned(),
            bare: first.bare.to_owned(),
            client_nonce: first.nonce.to_owned(),
            cb_data,
        })
    }

    /// Builds the server-first-message from the user's credentials, or from deterministic
    /// decoy values when `creds` is `None` (unknown user) or for another hash; such an
    /// exchange always ends in `not-authorized`. Returns an empty message, and ends the
    /// exchange, when called out of order.
    pub fn server_first(&mut self, creds: Option<&ScramCredentials>) -> Vec<u8> {
        let Stage::ServerFirst(first) = std::mem::replace(&mut self.stage, Stage::Done) else {
            return Vec::new();
        };
        let (creds, known_user) = match creds {
            Some(c) if c.hash == self.hash => (c.clone(), true),
            _ => (self.decoy_credentials(&first.username), false),
        };
        let nonce = format!("{}{}", first.client_nonce, self.server_nonce);
        let message = format!(
            "r={nonce},s={},i={}",
            BASE64_STANDARD.encode(&creds.salt),
            creds.iterations
        );
        let reply = message.clone().into_bytes();
        self.stage = Stage::ClientFinal(
            first,
            Second {
                message,
                nonce,
                creds,
                known_user,
            },
        );
        reply
    }

    /// Salt and keys for an unknown user: stable per user name, useless for logging in.
    fn decoy_credentials(&self, username: &str) -> ScramCredentials {
        let h = self.hash;
        let mut salt = h.hmac(&self.decoy_secret, format!("salt\0{username}").as_bytes());
        salt.truncate(16);
        ScramCredentials {
            hash: h,
            salt,
            iterations: self.decoy_iterations,
            stored_key: h.hmac(&self.decoy_secret, format!("stored\0{username}").as_bytes()),
            server_key: h.hmac(&self.decoy_secret, format!("server\0{username}").as_bytes()),
        }
    }

    /// Verifies the client-final-message (channel binding, nonce, proof in constant time) and
    /// returns the server-final-message `v=<ServerSignature>` on success.
    pub fn client_final(&mut self, msg: &[u8]) -> Result<Vec<u8>, SaslFailure> {
        let Stage::ClientFinal(first, second) = std::mem::replace(&mut self.stage, Stage::Done)
        else {
            return Err(SaslFailure::MalformedRequest);
        };
        let fin = parse_client_final(msg)?;
        let mut expected_cb = first.gs2_header.as_bytes().to_vec();
        expected_cb.extend_from_slice(&first.cb_data);
        let cb_ok = fin.channel_binding.ct_eq(&expected_cb);
        let nonce_ok = fin.nonce.as_bytes().ct_eq(second.nonce.as_bytes());

        let h = self.hash;
        let creds = &second.creds;
        let auth_message = format!("{},{},{}", first.bare, second.message, fin.without_proof);
        let client_signature = h.hmac(&creds.stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = fin
            .proof
            .iter()
            .zip(&client_signature)
            .map(|(p, s)| p ^ s)
            .collect();
        let proof_ok = h.hash(&client_key).ct_eq(&creds.stored_key)
            & (fin.proof.len() as u64).ct_eq(&(h.output_len() as u64));

        if bool::from(cb_ok & nonce_ok & proof_ok) && second.known_user {
            let signature = h.hmac(&creds.server_key, auth_message.as_bytes());
            Ok(format!("v={}", BASE64_STANDARD.encode(signature)).into_bytes())
        } else {
            Err(SaslFailure::NotAuthorized)
        }
    }
}

/// A random secret shared by all exchanges of this process (default decoy secret).
fn process_secret() -> &'static [u8; 32] {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        secret
    })
}
