//! Maps OpenSSL-style `tls_ciphers` strings (Momentum's syntax) onto the suites rustls offers.
//!
//! Understood: suite names in OpenSSL (`ECDHE-RSA-AES128-GCM-SHA256`) or IANA/rustls spelling
//! (`TLS_AES_128_GCM_SHA256`), the keywords `DEFAULT`, `ALL`, `HIGH`, `SECURE`, and `!name` /
//! `-name` exclusions, separated by `:`, `,` or spaces. Anything else (RC4, 3DES, CBC suites)
//! is reported back so the caller can warn and list it.

use rustls::SupportedCipherSuite;

/// Returns the suites selected by `spec` (in provider order) and the names it did not know.
pub fn select_cipher_suites(
    spec: &str,
    available: &[SupportedCipherSuite],
) -> (Vec<SupportedCipherSuite>, Vec<String>) {
    let mut selected: Vec<SupportedCipherSuite> = Vec::new();
    let mut unknown = Vec::new();
    for token in spec
        .split([':', ',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let (exclude, name) = match token.strip_prefix(['!', '-']) {
            Some(rest) => (true, rest),
            None => (false, token.strip_prefix('+').unwrap_or(token)),
        };
        let matches: Vec<SupportedCipherSuite> = if is_keyword(name) {
            available.to_vec()
        } else {
            available
                .iter()
                .copied()
                .filter(|s| suite_matches(s, name))
                .collect()
        };
        if matches.is_empty() {
            if !exclude && !is_known_weak_keyword(name) {
                unknown.push(name.to_owned());
            }
            continue;
        }
        for suite in matches {
            let present = selected.iter().any(|s| s.suite() == suite.suite());
            if exclude {
                selected.retain(|s| s.suite() != suite.suite());
            } else if !present {
                selected.push(suite);
            }
        }
    }
    selected.sort_by_key(|s| available.iter().position(|a| a.suite() == s.suite()));
    (selected, unknown)
}

fn is_keyword(name: &str) -> bool {
    ["DEFAULT", "ALL", "HIGH", "SECURE", "COMPLEMENTOFDEFAULT"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
}

/// Exclusion keywords in common strings (`!aNULL:!MD5`) that select nothing here anyway.
fn is_known_weak_keyword(name: &str) -> bool {
    [
        "aNULL", "eNULL", "NULL", "MD5", "RC4", "DES", "3DES", "EXPORT", "LOW", "MEDIUM", "PSK",
        "SRP", "DSS", "CAMELLIA", "SEED", "IDEA",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(name))
}

fn suite_matches(suite: &SupportedCipherSuite, name: &str) -> bool {
    let iana = format!("{:?}", suite.suite());
    let wanted = normalise(name);
    normalise(&iana) == wanted || openssl_name(&iana).is_some_and(|o| normalise(&o) == wanted)
}

fn normalise(name: &str) -> String {
    // rustls spells TLS 1.3 suites `TLS13_AES_128_GCM_SHA256`; IANA and OpenSSL say `TLS_...`.
    let upper = name.to_ascii_uppercase().replace('-', "_");
    let bare = upper
        .strip_prefix("TLS13_")
        .or_else(|| upper.strip_prefix("TLS_"))
        .unwrap_or(&upper);
    bare.to_owned()
}

/// OpenSSL's name for a TLS 1.2 suite, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` →
/// `ECDHE-RSA-AES128-GCM-SHA256`. TLS 1.3 suites keep their IANA names in OpenSSL too.
fn openssl_name(iana: &str) -> Option<String> {
    let rest = iana.strip_prefix("TLS_")?;
    let (kx, cipher) = rest.split_once("_WITH_")?;
    let cipher = cipher
        .replace("AES_128_GCM", "AES128-GCM")
        .replace("AES_256_GCM", "AES256-GCM")
        .replace("CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305")
        .replace('_', "-");
    Some(format!("{}-{}", kx.replace('_', "-"), cipher))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn available() -> Vec<SupportedCipherSuite> {
        crate::tls::provider().cipher_suites
    }

    #[test]
    fn openssl_and_iana_names_select_the_same_suites() {
        let (by_openssl, unknown) = select_cipher_suites(
            "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384",
            &available(),
        );
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(by_openssl.len(), 2);
    }

    #[test]
    fn default_minus_exclusion_and_unknown_names_are_reported() {
        let all = available();
        let (selected, unknown) =
            select_cipher_suites("DEFAULT:!TLS_CHACHA20_POLY1305_SHA256:RC4-SHA:!aNULL", &all);
        assert_eq!(selected.len(), all.len() - 1);
        assert_eq!(unknown, ["RC4-SHA"]);
    }

    #[test]
    fn nothing_known_selects_nothing() {
        let (selected, unknown) = select_cipher_suites("DES-CBC3-SHA", &available());
        assert!(selected.is_empty());
        assert_eq!(unknown, ["DES-CBC3-SHA"]);
    }
}
