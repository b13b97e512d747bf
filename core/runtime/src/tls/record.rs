//! A client-certificate verifier for `tls_verify_mode = optional`: it asks for a certificate and
//! checks the handshake signature, but lets an unverifiable certificate through so the session
//! can record the failure for policy (Momentum semantics) instead of dropping the connection.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};

/// Accepts any client certificate chain while still verifying handshake signatures.
#[derive(Debug)]
pub struct RecordingVerifier {
    strict: Arc<dyn ClientCertVerifier>,
    provider: Arc<CryptoProvider>,
}

impl RecordingVerifier {
    /// Wraps the strict verifier whose CA hints are sent to clients.
    pub fn new(strict: Arc<dyn ClientCertVerifier>, provider: Arc<CryptoProvider>) -> Self {
        RecordingVerifier { strict, provider }
    }
}

impl ClientCertVerifier for RecordingVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.strict.root_hint_subjects()
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn verify_client_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
