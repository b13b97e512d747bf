//! The SASL mechanism contract implemented by the `auth_*` modules and driven by the xmpp
//! module's session.

use std::sync::Arc;

use impetus_xmpp_proto::sasl::SaslFailure;

use super::{AuthParams, CredentialBackend};

/// A credential backend with the parameters that chose it.
#[derive(Clone)]
pub struct AuthSource {
    /// The backend.
    pub backend: Arc<dyn CredentialBackend>,
    /// The parameters.
    pub params: AuthParams,
}

/// Channel-binding data of the TLS connection (RFC 5929 / RFC 9266).
#[derive(Debug, Clone, Default)]
pub struct ChannelBindings {
    /// `tls-exporter` (TLS 1.3).
    pub tls_exporter: Option<Vec<u8>>,
    /// `tls-server-end-point` (hash of the server certificate).
    pub tls_server_end_point: Option<Vec<u8>>,
}

/// What a mechanism needs to know about the connection.
#[derive(Clone)]
pub struct SaslContext {
    /// The domain the client is logging into.
    pub domain: String,
    /// Whether the stream is encrypted.
    pub tls: bool,
    /// Channel bindings when `tls`.
    pub bindings: ChannelBindings,
    /// From `AuthPlainParameters`.
    pub plain: Option<AuthSource>,
    /// From `AuthDigestMD5Parameters`.
    pub digest: Option<AuthSource>,
    /// Whether mechanisms may be offered before TLS (`sasl_without_tls`).
    pub allow_without_tls: bool,
}

impl SaslContext {
    /// The source SCRAM uses: the PLAIN parameters' backend, else DIGEST-MD5's.
    pub fn scram_source(&self) -> Option<&AuthSource> {
        self.plain.as_ref().or(self.digest.as_ref())
    }
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslStep {
    /// Send `<challenge/>` with this data and wait for `<response/>`.
    Challenge(Vec<u8>),
    /// Authenticated as `username`; `data` goes in `<success/>`.
    Success {
        /// The authenticated local part.
        username: String,
        /// Additional data with success.
        data: Option<Vec<u8>>,
    },
    /// Failed with an RFC 6120 §6.5 condition.
    Failure(SaslFailure, Option<String>),
}

/// A SASL mechanism provided by an auth module.
pub trait SaslMechanism: Send + Sync + 'static {
    /// Mechanism name as advertised (`SCRAM-SHA-256-PLUS`).
    fn name(&self) -> &'static str;
    /// Whether to advertise the mechanism on this connection.
    fn offered(&self, context: &SaslContext) -> bool;
    /// Starts an exchange.
    fn start(&self, context: &SaslContext) -> Box<dyn SaslExchange>;
    /// Whether the server speaks first (DIGEST-MD5): without an initial response the first
    /// `step` is called with empty input to produce the first challenge.
    fn server_first(&self) -> bool {
        false
    }
}

/// One authentication exchange; `step` is called with the initial response, then each response.
pub trait SaslExchange: Send {
    /// Processes client data.
    fn step(&mut self, input: &[u8]) -> SaslStep;
}
