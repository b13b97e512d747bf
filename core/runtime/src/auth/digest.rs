//! `digest:///path`: htdigest-style `user:realm:hash` lines as `ec_md5passwd` writes them,
//! where hash = hex MD5(user:realm:password). Serves DIGEST-MD5 and PLAIN, never SCRAM.

use std::collections::HashMap;
use std::sync::Arc;

use impetus_xmpp_proto::sasl::stored::StoredSecrets;

use super::{AuthError, AuthParams, CredentialBackend, CredentialScheme};

/// The `digest` scheme.
pub struct DigestFileScheme;

struct DigestFile {
    users: HashMap<String, StoredSecrets>,
}

impl CredentialScheme for DigestFileScheme {
    fn open(&self, params: &AuthParams) -> Result<Arc<dyn CredentialBackend>, String> {
        let path = params.location();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read digest file {path}: {e}"))?;
        let mut users = HashMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, ':');
            let (Some(user), Some(realm), Some(hash)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(format!(
                    "{path}:{}: expected 'user:realm:md5hex'",
                    number + 1
                ));
            };
            let secrets = StoredSecrets::parse(&format!("digest-md5={realm},{hash}"))
                .map_err(|e| format!("{path}:{}: {e}", number + 1))?;
            users.insert(user.to_owned(), secrets);
        }
        Ok(Arc::new(DigestFile { users }))
    }
}

impl CredentialBackend for DigestFile {
    fn lookup(&self, _domain: &str, user: &str) -> Result<Option<StoredSecrets>, AuthError> {
        Ok(self.users.get(user).cloned())
    }

    fn has_scram(&self) -> bool {
        false
    }

    fn has_digest(&self) -> bool {
        true
    }
}
