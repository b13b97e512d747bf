//! Certificate checks for s2s (RFC 6120 §13.7.2, XEP-0178): does a peer's chain lead to a
//! trusted root (the domain's `tls_ca`, else the system bundle), and does it name the domain
//! (DNS-ID)? The verdict, weighed against the domain's `tls_verify`, decides whether a stream
//! may carry that domain's stanzas and whether SASL EXTERNAL is offered or used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::options::TlsVerify;

/// The CA bundle used when a domain names no `tls_ca`.
pub const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The signature algorithms of the crypto provider Impetus uses.
pub static ALGORITHMS: LazyLock<WebPkiSupportedAlgorithms> =
    LazyLock::new(|| impetus_runtime::tls::provider().signature_verification_algorithms);

/// What a peer's certificate proves about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Chains to a trusted root and names the domain.
    Valid,
    /// Chains to a trusted root but does not name the domain.
    WrongName(String),
    /// Does not chain to a trusted root (self-signed, unknown CA, expired, ...).
    Untrusted(String),
    /// No certificate was presented (or TLS is not in use).
    Missing,
}

impl Verdict {
    /// Whether the verdict satisfies `tls_verify = mode`.
    pub fn acceptable(&self, mode: TlsVerify) -> bool {
        match mode {
            TlsVerify::No => true,
            TlsVerify::Ca => matches!(self, Verdict::Valid | Verdict::WrongName(_)),
            TlsVerify::Host => *self == Verdict::Valid,
        }
    }

    /// A sentence for logs and bounces.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Valid => "the certificate is valid".into(),
            Verdict::WrongName(why) => format!("the certificate does not name the domain ({why})"),
            Verdict::Untrusted(why) => format!("the certificate is not trusted ({why})"),
            Verdict::Missing => "no certificate was presented".into(),
        }
    }
}

/// Checks `chain` (end entity first) for `domain` against `anchors`. Server and client
/// certificates are both accepted: a server's certificate may carry either purpose.
pub fn check(
    chain: &[CertificateDer<'static>],
    domain: &str,
    anchors: &[TrustAnchor<'_>],
) -> Verdict {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Verdict::Missing;
    };
    let certificate = match EndEntityCert::try_from(end_entity) {
        Ok(certificate) => certificate,
        Err(e) => return Verdict::Untrusted(e.to_string()),
    };
    let now = UnixTime::now();
    let chains = |usage| {
        certificate
            .verify_for_usage(
                ALGORITHMS.all,
                anchors,
                intermediates,
                now,
                usage,
                None,
                None,
            )
            .map(|_| ())
    };
    if let Err(e) = chains(KeyUsage::server_auth()).or_else(|_| chains(KeyUsage::client_auth())) {
        return Verdict::Untrusted(e.to_string());
    }
    let name = match ServerName::try_from(domain.trim_end_matches('.')) {
        Ok(name) => name,
        Err(e) => return Verdict::WrongName(e.to_string()),
    };
    match certificate.verify_is_valid_for_subject_name(&name) {
        Ok(()) => Verdict::Valid,
        Err(e) => Verdict::WrongName(e.to_string()),
    }
}

/// Trust anchors loaded from a CA bundle, or why they could not be.
pub type Anchors = Result<Vec<TrustAnchor<'static>>, String>;

/// Trust anchors by CA bundle, each loaded once per configuration generation.
#[derive(Default)]
pub struct RootStore {
    loaded: Mutex<HashMap<PathBuf, Arc<Anchors>>>,
}

impl RootStore {
    /// The anchors of `ca`, or of the system bundle when `None`.
    pub fn anchors(&self, ca: Option<&Path>) -> Arc<Anchors> {
        let path = ca.unwrap_or(Path::new(SYSTEM_BUNDLE)).to_path_buf();
        if let Some(found) = self.loaded.lock().get(&path) {
            return found.clone();
        }
        let loaded = Arc::new(load(&path));
        if let Err(e) = loaded.as_ref() {
            tracing::warn!(target: "mod_xmpp", ca = %path.display(), error = %e, "Cannot load the s2s CA bundle; no certificate will verify against it");
        }
        self.loaded.lock().insert(path, loaded.clone());
        loaded
    }
}

fn load(path: &Path) -> Anchors {
    let mut anchors = Vec::new();
    for der in
        CertificateDer::pem_file_iter(path).map_err(|e| format!("{}: {e}", path.display()))?
    {
        let der = der.map_err(|e| format!("{}: {e}", path.display()))?;
        let anchor = webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        anchors.push(anchor.to_owned());
    }
    if anchors.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(anchors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    struct Ca {
        issuer: Issuer<'static, KeyPair>,
        der: CertificateDer<'static>,
        pem: String,
    }

    fn ca() -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key");
        let certificate = params.self_signed(&key).expect("ca");
        Ca {
            der: certificate.der().clone(),
            pem: certificate.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(ca: &Ca, name: &str) -> Vec<CertificateDer<'static>> {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        vec![
            params
                .signed_by(&key, &ca.issuer)
                .expect("leaf")
                .der()
                .clone(),
        ]
    }

    #[test]
    fn verdicts_for_valid_wrong_name_untrusted_and_missing() {
        let ours = ca();
        let other = ca();
        let anchors = vec![webpki::anchor_from_trusted_cert(&ours.der).expect("anchor")];
        assert_eq!(
            check(&leaf(&ours, "a.test"), "a.test", &anchors),
            Verdict::Valid
        );
        assert_eq!(
            check(&leaf(&ours, "a.test"), "A.test.", &anchors),
            Verdict::Valid
        );
        assert!(matches!(
            check(&leaf(&ours, "a.test"), "b.test", &anchors),
            Verdict::WrongName(_)
        ));
        assert!(matches!(
            check(&leaf(&other, "a.test"), "a.test", &anchors),
            Verdict::Untrusted(_)
        ));
        assert_eq!(check(&[], "a.test", &anchors), Verdict::Missing);
    }

    #[test]
    fn policy_weighs_verdicts() {
        let wrong = Verdict::WrongName("x".into());
        let untrusted = Verdict::Untrusted("x".into());
        assert!(Verdict::Valid.acceptable(TlsVerify::Host));
        assert!(!wrong.acceptable(TlsVerify::Host));
        assert!(wrong.acceptable(TlsVerify::Ca));
        assert!(!untrusted.acceptable(TlsVerify::Ca));
        assert!(untrusted.acceptable(TlsVerify::No));
        assert!(!Verdict::Missing.acceptable(TlsVerify::Ca));
        assert!(Verdict::Missing.acceptable(TlsVerify::No));
    }

    #[test]
    fn bundles_load_once_and_report_problems() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, &ca().pem).expect("write");
        let store = RootStore::default();
        let first = store.anchors(Some(&path));
        assert_eq!(first.as_ref().as_ref().map(Vec::len), Ok(1));
        assert!(Arc::ptr_eq(&first, &store.anchors(Some(&path))));
        assert!(
            store
                .anchors(Some(&dir.path().join("missing.pem")))
                .is_err()
        );
    }
}
