//! XMPP addresses (JIDs): parsing and normalisation per RFC 7622, so every part of the server
//! compares addresses in one canonical form.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use precis_profiles::precis_core::profile::PrecisFastInvocation;
use precis_profiles::{OpaqueString, UsernameCaseMapped};

/// Largest size of each JID part in bytes, after normalisation (RFC 7622 §3.2-§3.4).
pub const MAX_PART_BYTES: usize = 1023;

/// Characters RFC 7622 §3.3.1 forbids in a localpart on top of the PRECIS rules.
const FORBIDDEN_LOCAL_CHARS: &[char] = &['"', '&', '\'', '/', ':', '<', '>', '@'];

/// Normalisation never shrinks a part more than threefold (fullwidth forms, Hangul jamo), so
/// raw input beyond this size is rejected before the expensive PRECIS work.
const MAX_RAW_PART_BYTES: usize = 4 * MAX_PART_BYTES;

/// Which of the three JID parts an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JidPart {
    /// The part before `@`.
    Localpart,
    /// The host part.
    Domainpart,
    /// The part after `/`.
    Resourcepart,
}

impl fmt::Display for JidPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JidPart::Localpart => "localpart",
            JidPart::Domainpart => "domainpart",
            JidPart::Resourcepart => "resourcepart",
        })
    }
}

/// Why a string is not a valid JID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JidError {
    /// A part is present (its separator is there) but empty, e.g. `@example.com` or `a@b/`.
    #[error("the {0} is empty")]
    Empty(JidPart),
    /// A part is longer than 1023 bytes after normalisation.
    #[error("the {0} is longer than 1023 bytes")]
    TooLong(JidPart),
    /// The localpart contains one of the characters `"&'/:<>@`.
    #[error("the localpart contains the forbidden character {0:?}")]
    ForbiddenChar(char),
    /// The localpart is rejected by the PRECIS UsernameCaseMapped profile.
    #[error("the localpart is not a valid username (PRECIS UsernameCaseMapped): {0}")]
    Localpart(String),
    /// The resourcepart is rejected by the PRECIS OpaqueString profile.
    #[error("the resourcepart is not valid (PRECIS OpaqueString): {0}")]
    Resourcepart(String),
    /// The domainpart is not a valid internationalised domain name.
    #[error("the domainpart {0:?} is not a valid domain name")]
    Domain(String),
    /// The domainpart is a bracketed IPv6 literal that does not parse.
    #[error("the domainpart {0:?} is not a valid IPv6 literal")]
    IpLiteral(String),
}

/// A normalised XMPP address `[node@]domain[/resource]`.
///
/// Every constructor normalises, so two `Jid`s are equal exactly when RFC 7622 says the
/// addresses are equal. Ordering is by node, then domain, then resource.
///
/// The address is kept as its one canonical string, so displaying it, hashing it and taking
/// its bare part ([`Jid::bare_str`]) cost no formatting and no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Jid {
    /// `node@domain/resource` in canonical form.
    full: String,
    /// Where the domainpart starts (0 without a localpart; else just after `@`).
    domain_start: usize,
    /// Where the domainpart ends (the `/` before the resource, or the end).
    domain_end: usize,
}

impl Jid {
    /// Parses and normalises a JID string (RFC 7622 §3.1: the resource starts at the first `/`,
    /// the localpart ends at the first `@` before it).
    pub fn parse(s: &str) -> Result<Jid, JidError> {
        let (rest, resource) = match s.split_once('/') {
            Some((rest, res)) => (rest, Some(res)),
            None => (s, None),
        };
        let (node, domain) = match rest.split_once('@') {
            Some((node, domain)) => (Some(node), domain),
            None => (None, rest),
        };
        Jid::from_parts(node, domain, resource)
    }

    /// Builds a JID from its separate parts, normalising each one.
    pub fn from_parts(
        node: Option<&str>,
        domain: &str,
        resource: Option<&str>,
    ) -> Result<Jid, JidError> {
        let node = node.map(prepare_localpart).transpose()?;
        let domain = prepare_domainpart(domain)?;
        let resource = resource.map(prepare_resourcepart).transpose()?;
        Ok(Jid::assemble(node.as_deref(), &domain, resource.as_deref()))
    }

    /// Joins parts that are already normalised.
    fn assemble(node: Option<&str>, domain: &str, resource: Option<&str>) -> Jid {
        let len =
            node.map_or(0, |n| n.len() + 1) + domain.len() + resource.map_or(0, |r| r.len() + 1);
        let mut full = String::with_capacity(len);
        if let Some(node) = node {
            full.push_str(node);
            full.push('@');
        }
        let domain_start = full.len();
        full.push_str(domain);
        let domain_end = full.len();
        if let Some(resource) = resource {
            full.push('/');
            full.push_str(resource);
        }
        Jid {
            full,
            domain_start,
            domain_end,
        }
    }

    /// The localpart (user name), if any.
    pub fn node(&self) -> Option<&str> {
        (self.domain_start > 0).then(|| &self.full[..self.domain_start - 1])
    }

    /// The domainpart (host), in Unicode form.
    pub fn domain(&self) -> &str {
        &self.full[self.domain_start..self.domain_end]
    }

    /// The resourcepart, if any.
    pub fn resource(&self) -> Option<&str> {
        self.full.get(self.domain_end + 1..)
    }

    /// The whole address in canonical form.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The address without its resource, in canonical form.
    pub fn bare_str(&self) -> &str {
        &self.full[..self.domain_end]
    }

    /// The same address without its resource.
    pub fn bare(&self) -> Jid {
        Jid {
            full: self.bare_str().to_owned(),
            domain_start: self.domain_start,
            domain_end: self.domain_end,
        }
    }

    /// True when the JID has no resource.
    pub fn is_bare(&self) -> bool {
        self.domain_end == self.full.len()
    }

    /// The same address with `resource` (normalised) replacing any existing resource.
    pub fn with_resource(&self, resource: &str) -> Result<Jid, JidError> {
        let resource = prepare_resourcepart(resource)?;
        Ok(Jid::assemble(self.node(), self.domain(), Some(&resource)))
    }
}

impl Ord for Jid {
    fn cmp(&self, other: &Jid) -> std::cmp::Ordering {
        (self.node(), self.domain(), self.resource()).cmp(&(
            other.node(),
            other.domain(),
            other.resource(),
        ))
    }
}

impl PartialOrd for Jid {
    fn partial_cmp(&self, other: &Jid) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl FromStr for Jid {
    type Err = JidError;

    fn from_str(s: &str) -> Result<Jid, JidError> {
        Jid::parse(s)
    }
}

/// Checks that a raw part is non-empty and not hopelessly long.
fn check_raw(raw: &str, part: JidPart) -> Result<(), JidError> {
    if raw.is_empty() {
        Err(JidError::Empty(part))
    } else if raw.len() > MAX_RAW_PART_BYTES {
        Err(JidError::TooLong(part))
    } else {
        Ok(())
    }
}

/// Checks the 1..=1023 byte bound on a normalised part.
fn check_len(prepared: String, part: JidPart) -> Result<String, JidError> {
    match prepared.len() {
        0 => Err(JidError::Empty(part)),
        n if n > MAX_PART_BYTES => Err(JidError::TooLong(part)),
        _ => Ok(prepared),
    }
}

/// RFC 7622 §3.3: UsernameCaseMapped plus the extra forbidden characters.
fn prepare_localpart(raw: &str) -> Result<String, JidError> {
    check_raw(raw, JidPart::Localpart)?;
    // Printable ASCII is all PVALID in the IdentifierClass and every other PRECIS step is
    // the identity on it but case mapping, so the common case skips the Unicode tables.
    let prepared = if raw.bytes().all(|b| b.is_ascii_graphic()) {
        raw.to_ascii_lowercase()
    } else {
        UsernameCaseMapped::enforce(raw)
            .map_err(|e| JidError::Localpart(e.to_string()))?
            .into_owned()
    };
    if let Some(c) = prepared.chars().find(|c| FORBIDDEN_LOCAL_CHARS.contains(c)) {
        return Err(JidError::ForbiddenChar(c));
    }
    check_len(prepared, JidPart::Localpart)
}

/// RFC 7622 §3.4: the OpaqueString profile.
fn prepare_resourcepart(raw: &str) -> Result<String, JidError> {
    check_raw(raw, JidPart::Resourcepart)?;
    // OpaqueString is the identity on ASCII space and printable ASCII (FreeformClass).
    let prepared = if raw.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        raw.to_owned()
    } else {
        OpaqueString::enforce(raw)
            .map_err(|e| JidError::Resourcepart(e.to_string()))?
            .into_owned()
    };
    check_len(prepared, JidPart::Resourcepart)
}

/// RFC 7622 §3.2: an IP literal, an IPv4 address, or an IDNA domain in lowercase Unicode
/// form, with one trailing dot removed.
fn prepare_domainpart(raw: &str) -> Result<String, JidError> {
    let domain = raw.strip_suffix('.').unwrap_or(raw);
    check_raw(domain, JidPart::Domainpart)?;
    if let Some(inner) = domain.strip_prefix('[') {
        let addr = inner
            .strip_suffix(']')
            .and_then(|a| a.parse::<Ipv6Addr>().ok())
            .ok_or_else(|| JidError::IpLiteral(raw.to_owned()))?;
        return Ok(format!("[{addr}]"));
    }
    if let Ok(addr) = domain.parse::<Ipv4Addr>() {
        return Ok(addr.to_string());
    }
    if let Some(ascii) = ascii_host_name(domain) {
        return Ok(ascii);
    }
    let uts46 = Uts46::new();
    let invalid = || JidError::Domain(raw.to_owned());
    uts46
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Allow,
            DnsLength::Verify,
        )
        .map_err(|_| invalid())?;
    let (unicode, result) =
        uts46.to_unicode(domain.as_bytes(), AsciiDenyList::STD3, Hyphens::Allow);
    result.map_err(|_| invalid())?;
    check_len(unicode.into_owned(), JidPart::Domainpart)
}

/// The common case of a domainpart, decided without the IDNA tables: a DNS host name of
/// letters, digits and hyphens (no `xn--` label, which IDNA turns into Unicode), with every
/// label 1 to 63 bytes and 253 bytes in all; lowercased. `None` sends the input through UTS 46.
fn ascii_host_name(domain: &str) -> Option<String> {
    let ldh = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    };
    (domain.len() <= 253 && domain.split('.').all(ldh)).then(|| domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_valid_jids() {
        let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
            ("example.com", None, "example.com", None),
            ("juliet@example.com", Some("juliet"), "example.com", None),
            (
                "Juliet@EXAMPLE.com/Balcony",
                Some("juliet"),
                "example.com",
                Some("Balcony"),
            ),
            (
                "example.com/res/with/slashes@x",
                None,
                "example.com",
                Some("res/with/slashes@x"),
            ),
            (
                "ＪＵＬＩＥＴ@example.com",
                Some("juliet"),
                "example.com",
                None,
            ),
            ("straße@example.com", Some("straße"), "example.com", None),
            ("juliet@München.DE", Some("juliet"), "münchen.de", None),
            (
                "juliet@xn--mnchen-3ya.de",
                Some("juliet"),
                "münchen.de",
                None,
            ),
            ("juliet@example.com.", Some("juliet"), "example.com", None),
            ("a@[::1]", Some("a"), "[::1]", None),
            ("a@[0:0::1]/r", Some("a"), "[::1]", Some("r")),
            ("a@192.168.0.1", Some("a"), "192.168.0.1", None),
            ("a@b/ＨＯＭＥ", Some("a"), "b", Some("ＨＯＭＥ")),
            ("a@b/😀 phone", Some("a"), "b", Some("😀 phone")),
            ("a@b/foo\u{00A0}bar", Some("a"), "b", Some("foo bar")),
            ("localhost", None, "localhost", None),
        ];
        for &(input, node, domain, resource) in cases {
            let jid = Jid::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(jid.node(), node, "{input}");
            assert_eq!(jid.domain(), domain, "{input}");
            assert_eq!(jid.resource(), resource, "{input}");
            assert_eq!(
                Jid::parse(&jid.to_string()).as_ref(),
                Ok(&jid),
                "{input} round trip"
            );
        }
    }

    #[test]
    fn rejects_invalid_jids_with_reasons() {
        let long = "a".repeat(1024);
        let cases: Vec<(String, JidError)> = vec![
            ("".into(), JidError::Empty(JidPart::Domainpart)),
            ("@example.com".into(), JidError::Empty(JidPart::Localpart)),
            ("a@".into(), JidError::Empty(JidPart::Domainpart)),
            ("a@b/".into(), JidError::Empty(JidPart::Resourcepart)),
            ("/res".into(), JidError::Empty(JidPart::Domainpart)),
            ("a\"b@example.com".into(), JidError::ForbiddenChar('"')),
            ("a'b@example.com".into(), JidError::ForbiddenChar('\'')),
            ("a:b@example.com".into(), JidError::ForbiddenChar(':')),
            ("a&b@example.com".into(), JidError::ForbiddenChar('&')),
            ("a<b@example.com".into(), JidError::ForbiddenChar('<')),
            (
                format!("{long}@example.com"),
                JidError::TooLong(JidPart::Localpart),
            ),
            (
                format!("a@b/{long}"),
                JidError::TooLong(JidPart::Resourcepart),
            ),
            (
                format!("a@b/{}", "x".repeat(5000)),
                JidError::TooLong(JidPart::Resourcepart),
            ),
            ("a@[::1".into(), JidError::IpLiteral("[::1".into())),
            ("a@[zz]".into(), JidError::IpLiteral("[zz]".into())),
            ("a@b@c".into(), JidError::Domain("b@c".into())),
            (
                "a@exa mple.com".into(),
                JidError::Domain("exa mple.com".into()),
            ),
            ("a@a..b".into(), JidError::Domain("a..b".into())),
            (
                format!("a@{}.com", "x".repeat(64)),
                JidError::Domain(format!("{}.com", "x".repeat(64))),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Jid::parse(&input), Err(expected), "{input}");
        }
    }

    #[test]
    fn rejects_precis_disallowed_code_points() {
        for local in ["ℌello", "ﬁne", "Ⅻ", "a\u{200D}b", "a b", "a\u{0007}"] {
            let input = format!("{local}@example.com");
            assert!(
                matches!(Jid::parse(&input), Err(JidError::Localpart(_))),
                "{input:?} should be rejected"
            );
        }
        assert!(matches!(
            Jid::parse("a@b/x\u{0007}"),
            Err(JidError::Resourcepart(_))
        ));
    }

    /// The ASCII shortcuts must agree with the full PRECIS and UTS 46 code on every input.
    #[test]
    fn ascii_shortcuts_agree_with_precis_and_idna() {
        let alphabet: Vec<char> = (0x20u8..0x7f).map(char::from).chain(['\t']).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut samples: Vec<String> = vec![
            "xn--mnchen-3ya.de".into(),
            "XN--MNCHEN-3YA.de".into(),
            "a-.b".into(),
            "-a.b".into(),
            "a..b".into(),
            format!("{}.com", "x".repeat(63)),
            format!("{}.com", "x".repeat(64)),
            ["a"; 127].join("."),
            ["a"; 128].join("."),
        ];
        for _ in 0..20_000 {
            let len = 1 + next(12);
            let s: String = (0..len)
                .map(|_| {
                    if next(3) == 0 {
                        ['a', 'Z', '.', '-', '0'][next(5)]
                    } else {
                        alphabet[next(alphabet.len())]
                    }
                })
                .collect();
            samples.push(s);
        }
        for s in &samples {
            let slow_local = UsernameCaseMapped::enforce(s.as_str())
                .map(|p| p.into_owned())
                .map_err(|e| JidError::Localpart(e.to_string()))
                .and_then(
                    |p| match p.chars().find(|c| FORBIDDEN_LOCAL_CHARS.contains(c)) {
                        Some(c) => Err(JidError::ForbiddenChar(c)),
                        None => Ok(p),
                    },
                );
            assert_eq!(
                prepare_localpart(s).is_ok(),
                slow_local.is_ok(),
                "localpart {s:?}"
            );
            if let Ok(slow) = slow_local {
                assert_eq!(prepare_localpart(s).unwrap(), slow, "localpart {s:?}");
            }
            let slow_resource = OpaqueString::enforce(s.as_str()).map(|p| p.into_owned());
            assert_eq!(
                prepare_resourcepart(s).ok(),
                slow_resource.ok(),
                "resource {s:?}"
            );
            if let Some(fast) = ascii_host_name(s) {
                let uts46 = Uts46::new();
                let ascii = uts46.to_ascii(
                    s.as_bytes(),
                    AsciiDenyList::STD3,
                    Hyphens::Allow,
                    DnsLength::Verify,
                );
                let (unicode, result) =
                    uts46.to_unicode(s.as_bytes(), AsciiDenyList::STD3, Hyphens::Allow);
                assert!(ascii.is_ok() && result.is_ok(), "domain {s:?}");
                assert_eq!(fast, unicode, "domain {s:?}");
            }
        }
    }

    #[test]
    fn accessors_and_conversions() {
        let full: Jid = "Romeo@Example.net/Orchard".parse().unwrap();
        assert_eq!(full.to_string(), "romeo@example.net/Orchard");
        assert!(!full.is_bare());
        let bare = full.bare();
        assert!(bare.is_bare());
        assert_eq!(bare.to_string(), "romeo@example.net");
        assert_eq!(
            bare.with_resource("Garden").unwrap().to_string(),
            "romeo@example.net/Garden"
        );
        assert_eq!(
            bare.with_resource(""),
            Err(JidError::Empty(JidPart::Resourcepart))
        );
        assert_eq!(
            Jid::from_parts(Some("ROMEO"), "example.net", None).unwrap(),
            bare
        );
        assert!(bare < full);
        assert_eq!(full.as_str(), "romeo@example.net/Orchard");
        assert_eq!(full.bare_str(), "romeo@example.net");
        let server: Jid = "example.net/x".parse().unwrap();
        assert_eq!((server.node(), server.domain()), (None, "example.net"));
        assert_eq!(
            (server.bare_str(), server.resource()),
            ("example.net", Some("x"))
        );
        // Ordered by node, then domain, then resource: a JID without a node sorts first.
        assert!(server < bare);
        assert!(Jid::parse("a@z.net").unwrap() < Jid::parse("b@a.net").unwrap());
        assert!(
            JidError::Empty(JidPart::Localpart)
                .to_string()
                .contains("localpart is empty")
        );
    }
}
