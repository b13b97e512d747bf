//! Authentication plumbing shared by the auth modules and the xmpp module: the SASL mechanism
//! contract, credential backends chosen by the `uri` scheme of `AuthPlainParameters` /
//! `AuthDigestMD5Parameters` (spec §3.4), and the built-in schemes.
//!
//! - `params.rs`: the auth parameter dictionary.
//! - `backend.rs`: `CredentialBackend`, `CredentialScheme`, password checks on hashed secrets.
//! - `file.rs`: `file://` (`user:password` or hashed lines), `digest.rs`: `digest://`
//!   (`user:realm:hash`), `datasource.rs`: `datasource://` over the embedded store.
//! - `sasl.rs`: `SaslMechanism`, `SaslExchange`, `SaslContext`.

mod backend;
mod datasource;
mod digest;
mod file;
mod params;
mod sasl;

pub use backend::{AuthError, CredentialBackend, CredentialScheme};
pub use datasource::{DatasourceBackend, DatasourceScheme};
pub use digest::DigestFileScheme;
pub use file::PasswdFileScheme;
pub use params::AuthParams;
pub use sasl::{AuthSource, ChannelBindings, SaslContext, SaslExchange, SaslMechanism, SaslStep};

/// Default PBKDF2 iteration count for new SCRAM secrets (the XMPP norm; RFC 7677 minimum).
pub const SCRAM_ITERATIONS: u32 = 4096;
