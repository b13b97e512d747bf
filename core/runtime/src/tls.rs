//! TLS for listeners: rustls server configs built from the `tls_*` options, cached by their
//! settings, with per-domain certificates picked by SNI and an optional self-signed fallback.
//!
//! Only TLS 1.2 and 1.3 exist in rustls, which is exactly what we want; renegotiation is never
//! supported by rustls, so `tls_allow_renegotiation` can only ever mean "no".

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig, SupportedCipherSuite};

mod ciphers;
mod end_point;
mod record;
pub use ciphers::select_cipher_suites;

/// How client certificates are handled (`tls_verify_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClientVerify {
    /// Client certificates are not requested.
    #[default]
    None,
    /// Requested and verified if presented; a failure is recorded, not fatal.
    Optional,
    /// Required and verified; the handshake fails without a valid one.
    Require,
}

/// A per-domain certificate chosen by SNI: (domain, certificate, key; the key defaults to the
/// certificate file).
pub type SniCertificate = (String, PathBuf, Option<PathBuf>);

/// The TLS options in force for one connection, after Peer/Listen/listener fallback.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TlsSettings {
    /// PEM certificate chain (may also hold the key).
    pub certificate: Option<PathBuf>,
    /// PEM private key; defaults to the certificate file.
    pub key: Option<PathBuf>,
    /// OpenSSL-style cipher string.
    pub ciphers: Option<String>,
    /// CA bundle for client certificates.
    pub client_ca: Option<PathBuf>,
    /// Client certificate policy.
    pub verify: ClientVerify,
    /// ALPN protocols to accept (e.g. `xmpp-client` for XEP-0368 direct TLS).
    pub alpn: Vec<Vec<u8>>,
    /// Per-domain certificates chosen by SNI.
    pub sni: Vec<SniCertificate>,
    /// Generate a self-signed certificate at `certificate`/`key` when missing (sample config only).
    pub self_signed_fallback: Option<Vec<String>>,
}

/// Errors building a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// No certificate configured.
    #[error("no tls_certificate is configured")]
    NoCertificate,
    /// A file could not be read or parsed.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
    /// A cipher string selects nothing usable.
    #[error("tls_ciphers '{0}' selects no cipher suite rustls supports")]
    NoCiphers(String),
}

/// A built server config plus what it needs to verify client certificates after the handshake.
pub struct ServerTls {
    /// The rustls configuration.
    pub config: Arc<ServerConfig>,
    /// Strict verifier for `Optional` mode, run after the handshake to record the result.
    pub client_verifier: Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>,
    /// Cipher names from `tls_ciphers` that rustls does not support.
    pub unsupported_ciphers: Vec<String>,
    /// `tls-server-end-point` data of the default certificate.
    default_end_point: Vec<u8>,
    /// `tls-server-end-point` data of each SNI certificate, by lowercase domain.
    sni_end_points: HashMap<String, Vec<u8>>,
}

impl ServerTls {
    /// The `tls-server-end-point` channel-binding data of the certificate presented to a
    /// client that sent `sni` (RFC 5929).
    pub fn server_end_point(&self, sni: Option<&str>) -> Vec<u8> {
        sni.and_then(|name| self.sni_end_points.get(&name.to_ascii_lowercase()))
            .unwrap_or(&self.default_end_point)
            .clone()
    }
}

/// Caches server configs so each connection only clones an `Arc`.
#[derive(Default)]
pub struct TlsCache {
    configs: Mutex<HashMap<TlsSettings, Arc<ServerTls>>>,
}

impl TlsCache {
    /// Returns the config for `settings`, building it on first use. The lock is held while
    /// building so that concurrent first connections (one per Listen) never read a
    /// self-signed certificate and key that another one is still writing.
    pub fn get(&self, settings: &TlsSettings) -> Result<Arc<ServerTls>, TlsError> {
        let mut configs = self.configs.lock();
        if let Some(found) = configs.get(settings) {
            return Ok(found.clone());
        }
        let built = Arc::new(build(settings)?);
        configs.insert(settings.clone(), built.clone());
        Ok(built)
    }
}

/// The crypto provider Impetus uses everywhere (ring).
pub fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

fn build(settings: &TlsSettings) -> Result<ServerTls, TlsError> {
    let cert_path = settings
        .certificate
        .as_ref()
        .ok_or(TlsError::NoCertificate)?;
    let key_path = settings.key.as_ref().unwrap_or(cert_path);
    if let Some(names) = &settings.self_signed_fallback {
        ensure_self_signed(cert_path, key_path, names)?;
    }
    let default_key = load_certified_key(cert_path, key_path)?;
    let default_end_point = leaf_end_point(&default_key);
    let mut by_name = HashMap::new();
    let mut sni_end_points = HashMap::new();
    for (domain, cert, key) in &settings.sni {
        let key = key.as_ref().unwrap_or(cert);
        let certified = load_certified_key(cert, key)?;
        sni_end_points.insert(domain.to_ascii_lowercase(), leaf_end_point(&certified));
        by_name.insert(domain.to_ascii_lowercase(), Arc::new(certified));
    }
    let mut provider = provider();
    let mut unsupported = Vec::new();
    if let Some(cipher_string) = &settings.ciphers {
        let (suites, unknown) = select_cipher_suites(cipher_string, &provider.cipher_suites);
        if suites.is_empty() {
            return Err(TlsError::NoCiphers(cipher_string.clone()));
        }
        provider.cipher_suites = suites;
        // Built once per distinct settings (the cache), so this warns once, not per connection.
        for name in &unknown {
            tracing::warn!(cipher = %name, "tls_ciphers names a cipher rustls does not support; ignored");
        }
        unsupported = unknown;
    }
    let provider = Arc::new(provider);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let (builder, client_verifier) = match (&settings.client_ca, settings.verify) {
        (Some(ca), ClientVerify::Require) => {
            let verifier = client_verifier(ca, &provider)?;
            (builder.with_client_cert_verifier(verifier), None)
        }
        (Some(ca), ClientVerify::Optional) => {
            let strict = client_verifier(ca, &provider)?;
            let lenient = Arc::new(record::RecordingVerifier::new(
                strict.clone(),
                provider.clone(),
            ));
            (builder.with_client_cert_verifier(lenient), Some(strict))
        }
        _ => (builder.with_no_client_auth(), None),
    };
    let mut config = builder.with_cert_resolver(Arc::new(SniResolver {
        default: Arc::new(default_key),
        by_name,
    }));
    config.alpn_protocols = settings.alpn.clone();
    Ok(ServerTls {
        config: Arc::new(config),
        client_verifier,
        unsupported_ciphers: unsupported,
        default_end_point,
        sni_end_points,
    })
}

fn leaf_end_point(key: &CertifiedKey) -> Vec<u8> {
    key.cert
        .first()
        .map(|leaf| end_point::server_end_point(leaf))
        .unwrap_or_default()
}

fn file_error(path: &Path, reason: impl ToString) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Loads a PEM certificate chain and its private key (also used for the certificate the
/// xmpp module presents on outgoing server-to-server connections).
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file_error(cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(cert, e))?;
    if chain.is_empty() {
        return Err(file_error(cert, "no certificate found in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key, e))?;
    let signing = provider()
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| file_error(key, e))?;
    Ok(CertifiedKey::new(chain, signing))
}

/// A strict verifier of client certificates issued by the CAs in `ca`.
fn client_verifier(
    ca: &Path,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsError> {
    WebPkiClientVerifier::builder_with_provider(Arc::new(load_roots(ca)?), provider.clone())
        .build()
        .map_err(|e| file_error(ca, e))
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| file_error(path, e))? {
        roots
            .add(cert.map_err(|e| file_error(path, e))?)
            .map_err(|e| file_error(path, e))?;
    }
    Ok(roots)
}

/// Writes a self-signed certificate and key for `names` when the certificate file is missing.
pub fn ensure_self_signed(cert: &Path, key: &Path, names: &[String]) -> Result<(), TlsError> {
    if cert.exists() {
        return Ok(());
    }
    let generated =
        rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| file_error(cert, e))?;
    for path in [cert, key] {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| file_error(parent, e))?;
        }
    }
    let key_pem = generated.signing_key.serialize_pem();
    if cert == key {
        std::fs::write(cert, format!("{}{}", generated.cert.pem(), key_pem))
            .map_err(|e| file_error(cert, e))?;
    } else {
        std::fs::write(cert, generated.cert.pem()).map_err(|e| file_error(cert, e))?;
        std::fs::write(key, key_pem).map_err(|e| file_error(key, e))?;
    }
    restrict_permissions(key);
    tracing::warn!(certificate = %cert.display(), names = ?names, "Generated a self-signed certificate because the configured one is missing");
    Ok(())
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_: &Path) {}

/// Picks a domain certificate by SNI, falling back to the listener's.
#[derive(Debug)]
struct SniResolver {
    default: Arc<CertifiedKey>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let chosen = hello
            .server_name()
            .and_then(|name| self.by_name.get(&name.to_ascii_lowercase()))
            .unwrap_or(&self.default);
        Some(chosen.clone())
    }
}

/// The cipher suites a provider offers (for docs and warnings).
pub fn suite_names(suites: &[SupportedCipherSuite]) -> Vec<String> {
    suites.iter().map(|s| format!("{:?}", s.suite())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_fallback_builds_a_config_and_is_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = TlsSettings {
            certificate: Some(dir.path().join("tls/cert.pem")),
            key: Some(dir.path().join("tls/key.pem")),
            self_signed_fallback: Some(vec!["localhost".into()]),
            ..TlsSettings::default()
        };
        let cache = TlsCache::default();
        let first = cache.get(&settings).expect("config");
        let second = cache.get(&settings).expect("config");
        assert!(Arc::ptr_eq(&first, &second));
        assert!(dir.path().join("tls/cert.pem").exists());
    }

    #[test]
    fn missing_certificate_is_an_error_without_fallback() {
        let settings = TlsSettings {
            certificate: Some(PathBuf::from("/nonexistent/cert.pem")),
            ..TlsSettings::default()
        };
        let error = TlsCache::default().get(&settings).err().expect("error");
        assert!(
            error.to_string().contains("/nonexistent/cert.pem"),
            "{error}"
        );
    }
}
