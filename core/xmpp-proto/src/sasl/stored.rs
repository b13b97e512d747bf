//! The text form of per-user secrets in password files and the store:
//! `user:password` (cleartext) or `user:{hashed}scram-sha-1=<iter>,<salt>,<stored>,<server>;...;digest-md5=<realm>,<hex ha1>`.
//!
//! Salts and keys are standard base64 with padding. A cleartext password that itself starts
//! with `{` is written as `{plain}password`, so every line has exactly one reading.

use std::fmt;

use subtle::ConstantTimeEq;

pub use super::stored_hashed::{DigestMd5Secret, StoredSecrets};

/// Prefix of a hashed secret.
pub const HASHED_PREFIX: &str = "{hashed}";
/// Optional prefix of a cleartext secret (required when the password starts with `{`).
pub const PLAIN_PREFIX: &str = "{plain}";

/// Why a stored-secret text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredFormatError {
    /// The line has no `:` between user and secret.
    #[error("missing ':' between user name and secret")]
    MissingSeparator,
    /// The user name is empty or contains a line break.
    #[error("the user name is empty or contains a line break")]
    BadUser,
    /// The cleartext password is empty or contains a line break.
    #[error("the password is empty or contains a line break")]
    BadPassword,
    /// `{hashed}` is followed by no scheme at all.
    #[error("no hashed secret after {{hashed}}")]
    NoSchemes,
    /// A `scheme=value` item has no `=`.
    #[error("item {0:?} is not of the form scheme=value")]
    MissingEquals(String),
    /// The scheme name is not known.
    #[error("unknown scheme {0:?}")]
    UnknownScheme(String),
    /// The same scheme appears twice.
    #[error("scheme {0:?} appears twice")]
    DuplicateScheme(String),
    /// A SCRAM value is malformed.
    #[error("bad {scheme} value: {reason}")]
    BadScram {
        /// The scheme, e.g. `scram-sha-256`.
        scheme: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The DIGEST-MD5 value is malformed.
    #[error("bad digest-md5 value: {0}")]
    BadDigest(&'static str),
    /// A realm contains `;` or a line break, which the format cannot hold.
    #[error("the realm contains ';' or a line break")]
    BadRealm,
}

/// One user's secret: a cleartext password or hashed secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredSecret {
    /// A cleartext password (legacy password files).
    Cleartext(String),
    /// Hashed secrets.
    Hashed(StoredSecrets),
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredSecret::Cleartext(_) => f.write_str("Cleartext(<redacted>)"),
            StoredSecret::Hashed(secrets) => f.debug_tuple("Hashed").field(secrets).finish(),
        }
    }
}

impl StoredSecret {
    /// Reads a secret: `{hashed}...`, `{plain}password`, or any other text as a cleartext
    /// password.
    pub fn parse(text: &str) -> Result<Self, StoredFormatError> {
        if let Some(hashed) = text.strip_prefix(HASHED_PREFIX) {
            return StoredSecrets::parse(hashed).map(StoredSecret::Hashed);
        }
        let password = text.strip_prefix(PLAIN_PREFIX).unwrap_or(text);
        if password.is_empty() || password.contains(['\n', '\r']) {
            return Err(StoredFormatError::BadPassword);
        }
        Ok(StoredSecret::Cleartext(password.to_owned()))
    }

    /// True for a cleartext password.
    pub fn is_cleartext(&self) -> bool {
        matches!(self, StoredSecret::Cleartext(_))
    }

    /// Checks a cleartext password against this secret in constant time.
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        match self {
            StoredSecret::Cleartext(stored) => {
                bool::from(stored.as_bytes().ct_eq(password.as_bytes()))
            }
            StoredSecret::Hashed(secrets) => secrets.check_password(user, password),
        }
    }
}

impl fmt::Display for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredSecret::Cleartext(password) if password.starts_with('{') => {
                write!(f, "{PLAIN_PREFIX}{password}")
            }
            StoredSecret::Cleartext(password) => f.write_str(password),
            StoredSecret::Hashed(secrets) => write!(f, "{HASHED_PREFIX}{secrets}"),
        }
    }
}

/// One password-file line: `user:secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    user: String,
    secret: StoredSecret,
}

impl StoredEntry {
    /// Pairs a user name (non-empty, without `:` or line breaks) with a secret.
    pub fn new(user: &str, secret: StoredSecret) -> Result<Self, StoredFormatError> {
        if user.is_empty() || user.contains([':', '\n', '\r']) {
            return Err(StoredFormatError::BadUser);
        }
        Ok(StoredEntry {
            user: user.to_owned(),
            secret,
        })
    }

    /// Parses one line (a trailing `\n` or `\r\n` is ignored). Blank and comment lines are
    /// the caller's business.
    pub fn parse_line(line: &str) -> Result<Self, StoredFormatError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let (user, secret) = line
            .split_once(':')
            .ok_or(StoredFormatError::MissingSeparator)?;
        StoredEntry::new(user, StoredSecret::parse(secret)?)
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The secret.
    pub fn secret(&self) -> &StoredSecret {
        &self.secret
    }
}

impl fmt::Display for StoredEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.user, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::scram::ScramHash;

    #[test]
    fn cleartext_lines_round_trip() {
        for (line, user, password) in [
            ("alice:secret", "alice", "secret"),
            ("bob:pa:ss=word;x\r\n", "bob", "pa:ss=word;x"),
            (
                "carol:{plain}{hashed}not really",
                "carol",
                "{hashed}not really",
            ),
            ("dave:{plain}plain", "dave", "plain"),
        ] {
            let entry = StoredEntry::parse_line(line).unwrap();
            assert_eq!(entry.user(), user);
            assert_eq!(
                entry.secret(),
                &StoredSecret::Cleartext(password.to_owned())
            );
            assert!(entry.secret().is_cleartext());
            assert!(entry.secret().check_password(user, password));
            assert!(!entry.secret().check_password(user, "wrong"));
            assert_eq!(StoredEntry::parse_line(&entry.to_string()), Ok(entry));
        }
        assert!(
            !format!("{:?}", StoredEntry::parse_line("a:hunter2").unwrap()).contains("hunter2")
        );
    }

    #[test]
    fn hashed_lines_round_trip_and_verify() {
        let secrets =
            StoredSecrets::from_password("alice", "wonder land", Some("example.com"), 64).unwrap();
        let entry = StoredEntry::new("alice", StoredSecret::Hashed(secrets)).unwrap();
        let line = entry.to_string();
        assert!(line.starts_with("alice:{hashed}scram-sha-1=64,"), "{line}");
        assert!(line.contains(";scram-sha-256=64,") && line.contains(";scram-sha-512=64,"));
        assert!(line.contains(";digest-md5=example.com,"));
        let parsed = StoredEntry::parse_line(&line).unwrap();
        assert_eq!(parsed, entry);
        assert!(!parsed.secret().is_cleartext());
        assert!(parsed.secret().check_password("alice", "wonder land"));
        assert!(!parsed.secret().check_password("alice", "wonderland"));
        let StoredSecret::Hashed(secrets) = parsed.secret() else {
            panic!("hashed")
        };
        for hash in ScramHash::ALL {
            assert_eq!(secrets.scram(hash).map(|c| c.iterations), Some(64));
        }
        let digest = secrets.digest_md5().unwrap();
        assert_eq!(
            digest.ha1,
            crate::sasl::digest_md5::digest_ha1("alice", "example.com", "wonder land")
        );
    }

    #[test]
    fn digest_only_secrets_verify_by_user() {
        let line = format!(
            "bob:{{hashed}}digest-md5=a,b,{}",
            hex::encode(crate::sasl::digest_md5::digest_ha1("bob", "a,b", "pw"))
        );
        let entry = StoredEntry::parse_line(&line).unwrap();
        assert!(entry.secret().check_password("bob", "pw"));
        assert!(!entry.secret().check_password("eve", "pw"));
        assert_eq!(entry.to_string(), line);
    }

    #[test]
    fn garbage_is_rejected_with_reasons() {
        let key20 = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let cases: Vec<(String, StoredFormatError)> = vec![
            ("".into(), StoredFormatError::MissingSeparator),
            ("no separator".into(), StoredFormatError::MissingSeparator),
            (":pw".into(), StoredFormatError::BadUser),
            ("alice:".into(), StoredFormatError::BadPassword),
            ("alice:{plain}".into(), StoredFormatError::BadPassword),
            ("alice:a\rb".into(), StoredFormatError::BadPassword),
            ("alice:{hashed}".into(), StoredFormatError::NoSchemes),
            ("alice:{hashed};;".into(), StoredFormatError::NoSchemes),
            ("alice:{hashed}scram-sha-1".into(), StoredFormatError::MissingEquals("scram-sha-1".into())),
            ("alice:{hashed}argon2=x".into(), StoredFormatError::UnknownScheme("argon2".into())),
            (
                format!("alice:{{hashed}}scram-sha-1=1,c2FsdA==,{key20},{key20};scram-sha-1=1,c2FsdA==,{key20},{key20}"),
                StoredFormatError::DuplicateScheme("scram-sha-1".into()),
            ),
            (
                "alice:{hashed}digest-md5=r,00000000000000000000000000000000;digest-md5=r,00000000000000000000000000000000".into(),
                StoredFormatError::DuplicateScheme("digest-md5".into()),
            ),
            ("alice:{hashed}scram-sha-1=1,2,3".into(), scram_err("expected <iterations>,<salt>,<stored key>,<server key>")),
            (format!("alice:{{hashed}}scram-sha-1=x,c2FsdA==,{key20},{key20}"), scram_err("iteration count is not a number")),
            (format!("alice:{{hashed}}scram-sha-1=-1,c2FsdA==,{key20},{key20}"), scram_err("iteration count is not a number")),
            (format!("alice:{{hashed}}scram-sha-1=0,c2FsdA==,{key20},{key20}"), scram_err("iteration count is 0")),
            (format!("alice:{{hashed}}scram-sha-1=1,!!,{key20},{key20}"), scram_err("salt is not base64")),
            (format!("alice:{{hashed}}scram-sha-1=1,,{key20},{key20}"), scram_err("salt is empty")),
            (format!("alice:{{hashed}}scram-sha-1=1,c2FsdA==,{key20},AA=="), scram_err("key length does not match the hash")),
            (format!("alice:{{hashed}}scram-sha-1=1,c2FsdA==,AA,{key20}"), scram_err("stored key is not base64")),
            ("alice:{hashed}digest-md5=nohash".into(), StoredFormatError::BadDigest("expected <realm>,<hex hash>")),
            ("alice:{hashed}digest-md5=r,xyz".into(), StoredFormatError::BadDigest("hash is not 32 hex digits")),
        ];
        for (line, expected) in cases {
            assert_eq!(StoredEntry::parse_line(&line), Err(expected), "{line}");
        }
        assert_eq!(
            StoredSecrets::from_password("a", "b", Some("bad;realm"), 1),
            Err(StoredFormatError::BadRealm)
        );
        assert_eq!(
            StoredEntry::new("a:b", StoredSecret::Cleartext("x".into())),
            Err(StoredFormatError::BadUser)
        );
        assert!(
            StoredFormatError::NoSchemes
                .to_string()
                .contains("{hashed}")
        );
    }

    fn scram_err(reason: &'static str) -> StoredFormatError {
        StoredFormatError::BadScram {
            scheme: "SCRAM-SHA-1",
            reason,
        }
    }
}
