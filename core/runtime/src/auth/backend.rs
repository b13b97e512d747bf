//! Credential backends: where hashed secrets for a user come from, chosen by URI scheme.

use std::sync::Arc;

use impetus_xmpp_proto::sasl::stored::StoredSecrets;

use super::AuthParams;

/// Errors from a backend.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The backend could not be reached or read.
    #[error("credential backend unavailable: {0}")]
    Unavailable(String),
    /// The backend does not support the operation (read-only file, ...).
    #[error("{0}")]
    Unsupported(String),
}

/// A source of users and their (hashed) secrets.
pub trait CredentialBackend: Send + Sync + 'static {
    /// The secrets of `user@domain`, or `None` when there is no such user.
    fn lookup(&self, domain: &str, user: &str) -> Result<Option<StoredSecrets>, AuthError>;
    /// Whether salted SCRAM secrets exist here, so SCRAM can be offered.
    fn has_scram(&self) -> bool;
    /// Whether DIGEST-MD5 secrets (or cleartext) exist here.
    fn has_digest(&self) -> bool;
    /// Creates an account (in-band registration); `Ok(false)` if it exists.
    fn create(
        &self,
        _domain: &str,
        _user: &str,
        _secrets: &StoredSecrets,
    ) -> Result<bool, AuthError> {
        Err(AuthError::Unsupported(
            "this credential backend is read-only".into(),
        ))
    }
    /// Replaces an account's secrets (password change); `Ok(false)` if there is no such user.
    fn update(
        &self,
        _domain: &str,
        _user: &str,
        _secrets: &StoredSecrets,
    ) -> Result<bool, AuthError> {
        Err(AuthError::Unsupported(
            "this credential backend is read-only".into(),
        ))
    }
    /// Deletes an account and its data; `Ok(false)` if there is no such user.
    fn delete(&self, _domain: &str, _user: &str) -> Result<bool, AuthError> {
        Err(AuthError::Unsupported(
            "this credential backend is read-only".into(),
        ))
    }
    /// Whether `create`/`update`/`delete` work.
    fn writable(&self) -> bool {
        false
    }
}

/// Opens backends for a URI scheme (`file`, `digest`, `datasource`, or one a module registers).
pub trait CredentialScheme: Send + Sync + 'static {
    /// Opens the backend the parameters describe.
    fn open(&self, params: &AuthParams) -> Result<Arc<dyn CredentialBackend>, String>;
}
