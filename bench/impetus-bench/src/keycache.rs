//! A cache of SCRAM salted passwords, so the client's PBKDF2 (about 0.5 ms per login at 4096
//! iterations) does not saturate the machine the load tool shares with the server. Real
//! clients cache the salted password the same way (RFC 5802 §5.1). Optionally kept in a file
//! between runs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::prelude::*;
use sha2::{Digest, Sha256};

use crate::sasl::{Mechanism, ScramHash};

/// (hash, password fingerprint, salt, iterations) → salted password.
type Key = (ScramHash, String, Vec<u8>, u32);

/// Salted passwords by hash, password, salt and iteration count.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<Key, Vec<u8>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A short, non-reversible tag for a password (the file never holds the password itself).
fn fingerprint(password: &str) -> String {
    BASE64_STANDARD_NO_PAD.encode(&Sha256::digest(password.as_bytes())[..9])
}

impl KeyCache {
    /// `Hi(password, salt, iterations)`, computed once per distinct input.
    pub fn salted_password(
        &self,
        hash: ScramHash,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> Vec<u8> {
        let key = (hash, fingerprint(password), salt.to_vec(), iterations);
        if let Some(found) = self.lock().get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return found.clone();
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let salted = hash.hi(password.as_bytes(), salt, iterations);
        self.lock().insert(key, salted.clone());
        salted
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Vec<u8>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// (hits, misses) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Loads entries from `path` (a missing file is an empty cache; bad lines are skipped).
    pub fn load(path: &Path) -> std::io::Result<KeyCache> {
        let cache = KeyCache::default();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(e) => return Err(e),
        };
        let mut entries = cache.lock();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let [mech, tag, iterations, salt, salted] = f[..] else {
                continue;
            };
            let (Some(Mechanism::Scram(hash)), Ok(iterations), Ok(salt), Ok(salted)) = (
                Mechanism::from_name(mech),
                iterations.parse(),
                BASE64_STANDARD.decode(salt),
                BASE64_STANDARD.decode(salted),
            ) else {
                continue;
            };
            entries.insert((hash, tag.to_owned(), salt, iterations), salted);
        }
        drop(entries);
        Ok(cache)
    }

    /// Writes every entry to `path`.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut out = String::new();
        for ((hash, tag, salt, iterations), salted) in self.lock().iter() {
            out.push_str(&format!(
                "{} {tag} {iterations} {} {}\n",
                Mechanism::Scram(*hash).name(),
                BASE64_STANDARD.encode(salt),
                BASE64_STANDARD.encode(salted)
            ));
        }
        std::fs::write(path, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_and_round_trips_through_a_file() {
        let cache = KeyCache::default();
        let a = cache.salted_password(ScramHash::Sha256, "hunter2-secret", b"salt", 16);
        let b = cache.salted_password(ScramHash::Sha256, "hunter2-secret", b"salt", 16);
        assert_eq!(a, b);
        assert_eq!(a, ScramHash::Sha256.hi(b"hunter2-secret", b"salt", 16));
        let other = cache.salted_password(ScramHash::Sha256, "other-secret", b"salt", 16);
        assert_ne!(a, other);
        assert_eq!(cache.stats(), (1, 2));

        let dir = std::env::temp_dir().join(format!("impetus-bench-kc-{}", std::process::id()));
        cache.save(&dir).expect("save");
        let text = std::fs::read_to_string(&dir).expect("read");
        assert!(
            !text.contains("hunter2-secret"),
            "the password itself is never written"
        );
        let loaded = KeyCache::load(&dir).expect("load");
        let _ = std::fs::remove_file(&dir);
        assert_eq!(
            loaded.salted_password(ScramHash::Sha256, "hunter2-secret", b"salt", 16),
            a
        );
        assert_eq!(loaded.stats(), (1, 0));
        let missing = KeyCache::load(Path::new("/nonexistent/impetus-bench-cache")).expect("empty");
        assert_eq!(missing.stats(), (0, 0));
    }
}
