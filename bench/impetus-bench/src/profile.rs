//! What every simulated client shares: where the server is, how to secure the stream, which
//! mechanism and password to use, and how user names are made from an index.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;

use crate::keycache::KeyCache;
use crate::sasl::Mechanism;

/// How the stream is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// STARTTLS on a plain port (RFC 6120 §5).
    Starttls,
    /// TLS from the first byte (XEP-0368).
    Direct,
    /// No TLS at all (the server must allow SASL without TLS).
    None,
}

impl TlsMode {
    /// The name printed in the summary.
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Starttls => "starttls",
            TlsMode::Direct => "direct",
            TlsMode::None => "none",
        }
    }
}

/// Connection and account settings shared by all simulated clients.
pub struct Profile {
    /// The server's address (an IP literal and port; never resolved).
    pub addr: SocketAddr,
    /// The XMPP domain (stream `to`, SNI, JIDs).
    pub domain: String,
    /// How the stream is secured.
    pub tls: TlsMode,
    /// The TLS client configuration.
    pub tls_config: Arc<ClientConfig>,
    /// The SASL mechanism.
    pub mechanism: Mechanism,
    /// The password of every account.
    pub password: String,
    /// User names are this prefix followed by the user index.
    pub user_prefix: String,
    /// The resource every session binds.
    pub resource: String,
    /// Cached SCRAM salted passwords.
    pub keys: Arc<KeyCache>,
    /// How long one login (or registration) may take.
    pub login_timeout: Duration,
}

impl Profile {
    /// The user name (localpart) of user `index`.
    pub fn username(&self, index: usize) -> String {
        format!("{}{index}", self.user_prefix)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A profile for unit tests, pointing at `addr` with no TLS and SCRAM-SHA-256.
    pub(crate) fn profile(addr: SocketAddr, mechanism: Mechanism) -> Profile {
        Profile {
            addr,
            domain: "localhost".into(),
            tls: TlsMode::None,
            tls_config: crate::tls::client_config(false).expect("tls config"),
            mechanism,
            password: "secret".into(),
            user_prefix: "u".into(),
            resource: "bench".into(),
            keys: Arc::new(KeyCache::default()),
            login_timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn usernames_and_modes() {
        let p = profile(SocketAddr::from(([127, 0, 0, 1], 1)), Mechanism::Plain);
        assert_eq!(p.username(7), "u7");
        assert_eq!(TlsMode::Starttls.name(), "starttls");
        assert_eq!(TlsMode::Direct.name(), "direct");
        assert_eq!(TlsMode::None.name(), "none");
    }
}
