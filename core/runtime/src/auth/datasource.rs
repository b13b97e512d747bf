//! `datasource://`: accounts in the embedded store (the default backend, and the one in-band
//! registration and `impetus passwd --store` write to).

use std::sync::Arc;

use impetus_storage::Store;
use impetus_xmpp_proto::sasl::stored::StoredSecrets;

use super::{AuthError, AuthParams, CredentialBackend, CredentialScheme};

/// The `datasource` scheme over the server's store.
pub struct DatasourceScheme {
    /// The store accounts live in.
    pub store: Arc<dyn Store>,
}

/// Accounts in the store.
pub struct DatasourceBackend {
    store: Arc<dyn Store>,
}

impl DatasourceBackend {
    /// A backend over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        DatasourceBackend { store }
    }
}

impl CredentialScheme for DatasourceScheme {
    fn open(&self, params: &AuthParams) -> Result<Arc<dyn CredentialBackend>, String> {
        match params.location() {
            "" | "default" => Ok(Arc::new(DatasourceBackend::new(self.store.clone()))),
            other => Err(format!(
                "unknown datasource '{other}' (only the embedded 'default' store exists)"
            )),
        }
    }
}

fn unavailable(e: impl ToString) -> AuthError {
    AuthError::Unavailable(e.to_string())
}

impl CredentialBackend for DatasourceBackend {
    fn lookup(&self, domain: &str, user: &str) -> Result<Option<StoredSecrets>, AuthError> {
        let Some(text) = self.store.account_get(domain, user).map_err(unavailable)? else {
            return Ok(None);
        };
        StoredSecrets::parse(&text).map(Some).map_err(|e| {
            AuthError::Unavailable(format!(
                "stored secrets of {user}@{domain} are corrupt: {e}"
            ))
        })
    }

    fn has_scram(&self) -> bool {
        true
    }

    fn has_digest(&self) -> bool {
        true
    }

    fn create(&self, domain: &str, user: &str, secrets: &StoredSecrets) -> Result<bool, AuthError> {
        self.store
            .account_create(domain, user, &secrets.to_string())
            .map_err(unavailable)
    }

    fn update(&self, domain: &str, user: &str, secrets: &StoredSecrets) -> Result<bool, AuthError> {
        self.store
            .account_set(domain, user, &secrets.to_string())
            .map_err(unavailable)
    }

    fn delete(&self, domain: &str, user: &str) -> Result<bool, AuthError> {
        self.store.account_delete(domain, user).map_err(unavailable)
    }

    fn writable(&self) -> bool {
        true
    }
}
