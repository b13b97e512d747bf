//! The `{hashed}` part of a stored secret: SCRAM keys per hash and the DIGEST-MD5 hash,
//! parsed from and formatted to `scheme=value;scheme=value`.

use std::fmt;

use base64::prelude::*;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::digest_md5::digest_ha1;
use super::scram::{ScramCredentials, ScramHash};
use super::stored::StoredFormatError;

/// Scheme name of the DIGEST-MD5 secret.
const DIGEST_SCHEME: &str = "digest-md5";
/// Salt length used by [`StoredSecrets::from_password`].
const SALT_BYTES: usize = 16;

/// The stored DIGEST-MD5 secret `H(user:realm:password)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMd5Secret {
    /// The realm the hash was computed for.
    pub realm: String,
    /// `H(user:realm:password)`.
    pub ha1: [u8; 16],
}

/// The hashed secrets of one user: SCRAM keys per hash and optionally a DIGEST-MD5 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecrets {
    scram: Vec<ScramCredentials>,
    digest_md5: Option<DigestMd5Secret>,
}

impl StoredSecrets {
    /// Derives SCRAM keys for every hash (fresh random salts) and, when `realm` is given, the
    /// DIGEST-MD5 secret, which needs the user name. Storing DIGEST-MD5 weakens protection of
    /// the password (a single MD5), so leave `realm` out unless that mechanism is offered.
    pub fn from_password(
        user: &str,
        password: &str,
        realm: Option<&str>,
        iterations: u32,
    ) -> Result<Self, StoredFormatError> {
        let digest_md5 = realm
            .map(|realm| {
                check_realm(realm)?;
                Ok(DigestMd5Secret {
                    realm: realm.to_owned(),
                    ha1: digest_ha1(user, realm, password),
                })
            })
            .transpose()?;
        let scram = ScramHash::ALL
            .into_iter()
            .map(|hash| {
                let mut salt = [0u8; SALT_BYTES];
                rand::rng().fill_bytes(&mut salt);
                ScramCredentials::derive(hash, password, &salt, iterations)
            })
            .collect();
        Ok(StoredSecrets { scram, digest_md5 })
    }

    /// The SCRAM keys for `hash`, if stored.
    pub fn scram(&self, hash: ScramHash) -> Option<&ScramCredentials> {
        self.scram.iter().find(|c| c.hash == hash)
    }

    /// The DIGEST-MD5 secret, if stored.
    pub fn digest_md5(&self) -> Option<&DigestMd5Secret> {
        self.digest_md5.as_ref()
    }

    /// Checks a cleartext password (e.g. from PLAIN) against the strongest stored secret, in
    /// constant time.
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        // SHA-256 when present: as strong as needed for a cleartext check, and PBKDF2 over
        // SHA-512 costs several times more CPU per login.
        let preferred = self
            .scram(ScramHash::Sha256)
            .or_else(|| self.scram.iter().max_by_key(|c| c.hash));
        if let Some(stored) = preferred {
            let fresh =
                ScramCredentials::derive(stored.hash, password, &stored.salt, stored.iterations);
            return bool::from(fresh.stored_key.ct_eq(&stored.stored_key));
        }
        self.digest_md5
            .as_ref()
            .is_some_and(|d| bool::from(digest_ha1(user, &d.realm, password).ct_eq(&d.ha1)))
    }

    /// Parses the text after `{hashed}`: `scheme=value` items separated by `;`.
    pub fn parse(text: &str) -> Result<Self, StoredFormatError> {
        let mut secrets = StoredSecrets {
            scram: Vec::new(),
            digest_md5: None,
        };
        for item in text.split(';').filter(|item| !item.is_empty()) {
            let (scheme, value) = item
                .split_once('=')
                .ok_or_else(|| StoredFormatError::MissingEquals(item.to_owned()))?;
            let duplicate = || StoredFormatError::DuplicateScheme(scheme.to_owned());
            if scheme.eq_ignore_ascii_case(DIGEST_SCHEME) {
                if secrets.digest_md5.replace(parse_digest(value)?).is_some() {
                    return Err(duplicate());
                }
            } else if let Some(hash) = ScramHash::ALL
                .into_iter()
                .find(|h| h.mechanism(false).eq_ignore_ascii_case(scheme))
            {
                if secrets.scram(hash).is_some() {
                    return Err(duplicate());
                }
                secrets.scram.push(parse_scram(hash, value)?);
            } else {
                return Err(StoredFormatError::UnknownScheme(scheme.to_owned()));
            }
        }
        if secrets.scram.is_empty() && secrets.digest_md5.is_none() {
            return Err(StoredFormatError::NoSchemes);
        }
        secrets.scram.sort_by_key(|c| c.hash);
        Ok(secrets)
    }
}

impl fmt::Display for StoredSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scram = self.scram.iter().map(|c| {
            format!(
                "{}={},{},{},{}",
                c.hash.mechanism(false).to_ascii_lowercase(),
                c.iterations,
                BASE64_STANDARD.encode(&c.salt),
                BASE64_STANDARD.encode(&c.stored_key),
                BASE64_STANDARD.encode(&c.server_key)
            )
        });
        let digest = self
            .digest_md5
            .as_ref()
            .map(|d| format!("{DIGEST_SCHEME}={},{}", d.realm, hex::encode(d.ha1)));
        let all: Vec<String> = scram.chain(digest).collect();
        f.write_str(&all.join(";"))
    }
}

/// `<iterations>,<b64 salt>,<b64 stored key>,<b64 server key>`.
fn parse_scram(hash: ScramHash, value: &str) -> Result<ScramCredentials, StoredFormatError> {
    let scheme = hash.mechanism(false);
    let bad = |reason| StoredFormatError::BadScram { scheme, reason };
    let fields: Vec<&str> = value.split(',').collect();
    let [iterations, salt, stored_key, server_key] = fields[..] else {
        return Err(bad(
            "expected <iterations>,<salt>,<stored key>,<server key>",
        ));
    };
    let iterations: u32 = iterations
        .parse()
        .map_err(|_| bad("iteration count is not a number"))?;
    let decode = |field: &str, what| BASE64_STANDARD.decode(field).map_err(|_| bad(what));
    let salt = decode(salt, "salt is not base64")?;
    let stored_key = decode(stored_key, "stored key is not base64")?;
    let server_key = decode(server_key, "server key is not base64")?;
    if iterations == 0 {
        return Err(bad("iteration count is 0"));
    }
    if salt.is_empty() {
        return Err(bad("salt is empty"));
    }
    if stored_key.len() != hash.output_len() || server_key.len() != hash.output_len() {
        return Err(bad("key length does not match the hash"));
    }
    Ok(ScramCredentials {
        hash,
        salt,
        iterations,
        stored_key,
        server_key,
    })
}

/// `<realm>,<32 hex digits>`; the realm may itself contain commas.
fn parse_digest(value: &str) -> Result<DigestMd5Secret, StoredFormatError> {
    let (realm, ha1) = value
        .rsplit_once(',')
        .ok_or(StoredFormatError::BadDigest("expected <realm>,<hex hash>"))?;
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(ha1, &mut bytes)
        .map_err(|_| StoredFormatError::BadDigest("hash is not 32 hex digits"))?;
    check_realm(realm)?;
    Ok(DigestMd5Secret {
        realm: realm.to_owned(),
        ha1: bytes,
    })
}

fn check_realm(realm: &str) -> Result<(), StoredFormatError> {
    if realm.contains([';', '\n', '\r']) {
        Err(StoredFormatError::BadRealm)
    } else {
        Ok(())
    }
}
