//! `file:///path`: Momentum's password file, one `user:secret` line per user, `#` comments.
//! A secret is either cleartext (still accepted, with a warning: seed 003 explains why hashes
//! at rest matter) or a hashed entry as `impetus passwd` writes it.

use std::collections::HashMap;
use std::sync::Arc;

use impetus_xmpp_proto::sasl::scram::ScramHash;
use impetus_xmpp_proto::sasl::stored::{StoredSecret, StoredSecrets};

use super::{AuthError, AuthParams, CredentialBackend, CredentialScheme, SCRAM_ITERATIONS};

/// The `file` scheme.
pub struct PasswdFileScheme;

/// Users loaded from a password file.
pub struct PasswdFile {
    users: HashMap<String, StoredSecrets>,
    scram: bool,
    digest: bool,
}

impl CredentialScheme for PasswdFileScheme {
    fn open(&self, params: &AuthParams) -> Result<Arc<dyn CredentialBackend>, String> {
        let path = params.location();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read password file {path}: {e}"))?;
        PasswdFile::parse(&text, params.realm.as_deref().unwrap_or(""), path)
            .map(|f| Arc::new(f) as Arc<dyn CredentialBackend>)
    }
}

impl PasswdFile {
    /// Parses the file's text; `realm` keys DIGEST-MD5 secrets derived from cleartext lines.
    pub fn parse(text: &str, realm: &str, path: &str) -> Result<Self, String> {
        let mut users = HashMap::new();
        let mut cleartext = 0usize;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((user, secret)) = line.split_once(':') else {
                return Err(format!("{path}:{}: expected 'user:password'", number + 1));
            };
            let located = |e: &dyn std::fmt::Display| format!("{path}:{}: {e}", number + 1);
            let secrets = match StoredSecret::parse(secret).map_err(|e| located(&e))? {
                StoredSecret::Hashed(secrets) => secrets,
                StoredSecret::Cleartext(password) => {
                    cleartext += 1;
                    let realm = (!realm.is_empty()).then_some(realm);
                    StoredSecrets::from_password(user, &password, realm, SCRAM_ITERATIONS)
                        .map_err(|e| located(&e))?
                }
            };
            users.insert(user.to_owned(), secrets);
        }
        if cleartext > 0 {
            tracing::warn!(
                file = path,
                users = cleartext,
                "Password file holds cleartext passwords; rewrite them hashed with `impetus passwd`"
            );
        }
        let scram = users
            .values()
            .any(|s| ScramHash::ALL.iter().any(|h| s.scram(*h).is_some()));
        let digest = users.values().any(|s| s.digest_md5().is_some());
        Ok(PasswdFile {
            users,
            scram,
            digest,
        })
    }
}

impl CredentialBackend for PasswdFile {
    fn lookup(&self, _domain: &str, user: &str) -> Result<Option<StoredSecrets>, AuthError> {
        Ok(self.users.get(user).cloned())
    }

    fn has_scram(&self) -> bool {
        self.scram
    }

    fn has_digest(&self) -> bool {
        self.digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleartext_and_hashed_lines_both_authenticate() {
        let hashed = StoredSecrets::from_password("bob", "hunter2", Some("example.com"), 4096)
            .expect("secrets");
        let text = format!("# users\nalice:wonderland\nbob:{{hashed}}{hashed}\n");
        let file = PasswdFile::parse(&text, "example.com", "test").expect("parses");
        let alice = file
            .lookup("example.com", "alice")
            .expect("ok")
            .expect("alice");
        assert!(alice.check_password("alice", "wonderland"));
        assert!(!alice.check_password("alice", "wrong"));
        let bob = file.lookup("example.com", "bob").expect("ok").expect("bob");
        assert!(bob.check_password("bob", "hunter2"));
        assert!(file.lookup("example.com", "carol").expect("ok").is_none());
        assert!(file.has_scram());
    }

    #[test]
    fn a_line_without_colon_is_an_error_with_its_line_number() {
        let error = PasswdFile::parse("alice:x\nbroken\n", "", "pw")
            .err()
            .expect("error");
        assert_eq!(error, "pw:2: expected 'user:password'");
    }
}
