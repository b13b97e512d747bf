//! rustls configurations for s2s streams. Both directions defer certificate checks to
//! `verify.rs` (the handshake still proves the peer holds the certificate's key), so a bad
//! certificate becomes a policy decision with a clear reason instead of a handshake alert:
//! inbound streams ask for an optional client certificate (for SASL EXTERNAL, XEP-0178), and
//! outgoing streams present this domain's certificate and accept any server certificate.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use impetus_runtime::tls::{ServerTls, TlsError, load_certified_key, provider};
use parking_lot::Mutex;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

use super::verify::ALGORITHMS;

/// A certificate and its key file (the key defaults to the certificate file).
pub type CertificateFiles = (PathBuf, Option<PathBuf>);

/// The ALPN protocol of direct-TLS s2s (XEP-0368).
pub const ALPN_SERVER: &[u8] = b"xmpp-server";

/// Accepts any chain during the handshake; signatures are still checked.
#[derive(Debug)]
struct Deferred;

impl Deferred {
    fn tls12(
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &ALGORITHMS)
    }

    fn tls13(
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &ALGORITHMS)
    }
}

impl ServerCertVerifier for Deferred {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ALGORITHMS.supported_schemes()
    }
}

impl ClientCertVerifier for Deferred {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ALGORITHMS.supported_schemes()
    }
}

/// The inbound (STARTTLS) server configuration derived from a listener's: same certificates
/// (SNI picks the domain's), same cipher suites, plus an optional client certificate. Built
/// once per listener configuration (process-wide).
#[derive(Default)]
pub struct InboundTls {
    built: Mutex<HashMap<usize, Derived>>,
}

/// A listener's configuration (kept so its address is never reused) and its s2s variant.
type Derived = (Arc<ServerTls>, Arc<ServerConfig>);

impl InboundTls {
    /// The s2s variant of `listener`.
    pub fn config(&self, listener: &Arc<ServerTls>) -> Result<Arc<ServerConfig>, rustls::Error> {
        let key = Arc::as_ptr(listener) as usize;
        if let Some((_, config)) = self.built.lock().get(&key) {
            return Ok(config.clone());
        }
        let config = Arc::new(
            ServerConfig::builder_with_provider(listener.config.crypto_provider().clone())
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
                .with_client_cert_verifier(Arc::new(Deferred))
                .with_cert_resolver(listener.config.cert_resolver.clone()),
        );
        self.built
            .lock()
            .insert(key, (listener.clone(), config.clone()));
        Ok(config)
    }
}

/// The outgoing configuration presenting `certificate` (if any); `direct` adds the
/// `xmpp-server` ALPN protocol of XEP-0368.
pub fn client_config(
    certificate: Option<&CertificateFiles>,
    direct: bool,
) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Deferred));
    let mut config = match certificate {
        Some((cert, key)) => {
            let certified = load_certified_key(cert, key.as_ref().unwrap_or(cert))?;
            builder.with_client_cert_resolver(Arc::new(Always(Arc::new(certified))))
        }
        None => builder.with_no_client_auth(),
    };
    if direct {
        config.alpn_protocols = vec![ALPN_SERVER.to_vec()];
    }
    Ok(Arc::new(config))
}

/// Presents one certificate whatever the server asks for.
#[derive(Debug)]
struct Always(Arc<rustls::sign::CertifiedKey>);

impl ResolvesClientCert for Always {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
