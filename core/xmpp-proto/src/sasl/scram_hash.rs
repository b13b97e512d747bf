//! The hash functions behind SCRAM (RFC 5802 / RFC 7677) and the per-user keys a server
//! stores instead of the password.

use hmac::EagerHash;
use hmac::{Hmac, KeyInit, Mac};
use precis_profiles::OpaqueString;
use precis_profiles::precis_core::profile::PrecisFastInvocation;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// The hash a SCRAM mechanism is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScramHash {
    /// SCRAM-SHA-1 (RFC 5802).
    Sha1,
    /// SCRAM-SHA-256 (RFC 7677).
    Sha256,
    /// SCRAM-SHA-512.
    Sha512,
}

impl ScramHash {
    /// Every supported hash, weakest first.
    pub const ALL: [ScramHash; 3] = [ScramHash::Sha1, ScramHash::Sha256, ScramHash::Sha512];

    /// The SASL mechanism name, e.g. `SCRAM-SHA-256` or `SCRAM-SHA-256-PLUS`.
    pub fn mechanism(self, plus: bool) -> &'static str {
        match (self, plus) {
            (ScramHash::Sha1, false) => "SCRAM-SHA-1",
            (ScramHash::Sha1, true) => "SCRAM-SHA-1-PLUS",
            (ScramHash::Sha256, false) => "SCRAM-SHA-256",
            (ScramHash::Sha256, true) => "SCRAM-SHA-256-PLUS",
            (ScramHash::Sha512, false) => "SCRAM-SHA-512",
            (ScramHash::Sha512, true) => "SCRAM-SHA-512-PLUS",
        }
    }

    /// Parses a mechanism name into the hash and whether it is the `-PLUS` variant.
    pub fn from_mechanism(name: &str) -> Option<(ScramHash, bool)> {
        ScramHash::ALL.into_iter().find_map(|hash| {
            [false, true]
                .into_iter()
                .find(|&plus| hash.mechanism(plus) == name)
                .map(|plus| (hash, plus))
        })
    }

    /// Length in bytes of the hash output (and so of every SCRAM key).
    pub fn output_len(self) -> usize {
        match self {
            ScramHash::Sha1 => 20,
            ScramHash::Sha256 => 32,
            ScramHash::Sha512 => 64,
        }
    }

    /// `H(data)`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha1 => Sha1::digest(data).to_vec(),
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
            ScramHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `HMAC(key, data)`.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha1 => hmac_with::<Sha1>(key, data),
            ScramHash::Sha256 => hmac_with::<Sha256>(key, data),
            ScramHash::Sha512 => hmac_with::<Sha512>(key, data),
        }
    }

    /// `Hi(password, salt, iterations)`, i.e. PBKDF2 with this hash's HMAC.
    pub fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        let mut out = vec![0; self.output_len()];
        match self {
            ScramHash::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out),
            ScramHash::Sha256 => {
                pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out)
            }
            ScramHash::Sha512 => {
                pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out)
            }
        }
        out
    }
}

/// HMAC over one hash function.
fn hmac_with<D: EagerHash>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// What a server keeps per user and hash so it can run SCRAM without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramCredentials {
    /// The hash these keys belong to.
    pub hash: ScramHash,
    /// The per-user salt.
    pub salt: Vec<u8>,
    /// PBKDF2 iteration count (at least 1).
    pub iterations: u32,
    /// `H(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl ScramCredentials {
    /// Derives the stored keys from a password.
    ///
    /// The password is normalised with the PRECIS OpaqueString profile (RFC 8265, the successor
    /// of SASLprep); a password that profile rejects is used byte for byte, as most clients do.
    /// An iteration count of 0 is treated as 1.
    pub fn derive(hash: ScramHash, password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = hash.hi(normalize_password(password).as_bytes(), salt, iterations);
        let client_key = hash.hmac(&salted, b"Client Key");
        ScramCredentials {
            hash,
            salt: salt.to_vec(),
            iterations: iterations.max(1),
            stored_key: hash.hash(&client_key),
            server_key: hash.hmac(&salted, b"Server Key"),
        }
    }
}

/// PRECIS OpaqueString normalisation, falling back to the raw password.
fn normalize_password(password: &str) -> std::borrow::Cow<'_, str> {
    OpaqueString::enforce(password).unwrap_or(std::borrow::Cow::Borrowed(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanism_names_round_trip() {
        for hash in ScramHash::ALL {
            for plus in [false, true] {
                assert_eq!(
                    ScramHash::from_mechanism(hash.mechanism(plus)),
                    Some((hash, plus))
                );
            }
            assert_eq!(hash.hash(b"").len(), hash.output_len());
            assert_eq!(hash.hmac(b"k", b"").len(), hash.output_len());
        }
        assert_eq!(ScramHash::from_mechanism("SCRAM-SHA-384"), None);
        assert_eq!(ScramHash::from_mechanism("scram-sha-1"), None);
    }

    #[test]
    fn derive_follows_rfc5802_key_schedule() {
        // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, i=4096.
        let salt = [
            0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e, 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36,
            0xfa, 0x81,
        ];
        let creds = ScramCredentials::derive(ScramHash::Sha256, "pencil", &salt, 4096);
        let salted = ScramHash::Sha256.hi(b"pencil", &salt, 4096);
        let client_key = ScramHash::Sha256.hmac(&salted, b"Client Key");
        assert_eq!(creds.stored_key, ScramHash::Sha256.hash(&client_key));
        assert_eq!(
            creds.server_key,
            ScramHash::Sha256.hmac(&salted, b"Server Key")
        );
        assert_eq!((creds.iterations, creds.salt.as_slice()), (4096, &salt[..]));
    }

    #[test]
    fn hi_matches_rfc6070_pbkdf2_vectors() {
        let hi = |i| hex::encode(ScramHash::Sha1.hi(b"password", b"salt", i));
        assert_eq!(hi(1), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        assert_eq!(hi(4096), "4b007901b765489abead49d926f721d065a429c1");
    }

    #[test]
    fn derive_normalises_password_and_clamps_iterations() {
        let a = ScramCredentials::derive(ScramHash::Sha1, "pass\u{00A0}word", b"salt", 0);
        let b = ScramCredentials::derive(ScramHash::Sha1, "pass word", b"salt", 1);
        assert_eq!(a.stored_key, b.stored_key);
        assert_eq!(a.iterations, 1);
        let raw = ScramCredentials::derive(ScramHash::Sha1, "bell\u{0007}", b"salt", 1);
        assert_eq!(raw.stored_key.len(), 20);
    }
}
