//! The settings one connection runs with, resolved once at accept time from the listener's
//! options along the Listen::Peer → Listen → listener::Peer → listener → global chain.

use std::sync::Arc;
use std::time::Duration;

use impetus_runtime::auth::AuthSource;
use impetus_runtime::tls::ServerTls;
use impetus_xml::Limits;

/// Per-connection settings.
#[derive(Clone)]
pub struct ConnSettings {
    /// `enable = false` in a Peer: refuse before TLS.
    pub refused: bool,
    /// Idle timeout; `None` never times out.
    pub idle: Option<Duration>,
    /// TLS configuration, if a certificate is configured.
    pub tls: Option<Arc<ServerTls>>,
    /// STARTTLS required before authentication.
    pub tls_required: bool,
    /// TLS from the first byte (XEP-0368).
    pub direct_tls: bool,
    /// Offer SASL before TLS.
    pub sasl_without_tls: bool,
    /// XML limits.
    pub limits: Limits,
    /// PLAIN (and SCRAM) credential source.
    pub plain: Option<AuthSource>,
    /// DIGEST-MD5 credential source.
    pub digest: Option<AuthSource>,
    /// In-band registration allowed.
    pub allow_registration: bool,
    /// Registrations per IP: (count, seconds).
    pub registration_throttle: (u32, u32),
    /// Stanzas a bound session may send: (count, seconds).
    pub stanza_rate: (u32, u32),
}
