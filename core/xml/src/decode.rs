//! Character-level rules: entity/char-ref resolution (restricted to the XMPP subset),
//! end-of-line and attribute-value normalisation, legal characters and XML names.

use std::borrow::Cow;

use crate::error::XmlError;

/// How [`decode`] treats its input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Character data / CDATA content: `&` is literal (quick-xml splits references out), CR LF
    /// and lone CR become LF.
    Text,
    /// Raw attribute value: references are resolved, literal tab/CR/LF become spaces.
    Attr,
}

/// Decodes raw XML text per `mode`, checking that every character is legal in XML 1.0.
/// Borrows when nothing needs rewriting.
pub(crate) fn decode(raw: &str, mode: Mode) -> Result<Cow<'_, str>, XmlError> {
    let bytes = raw.as_bytes();
    let mut out: Option<String> = None;
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0xEF && matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) {
            return Err(XmlError::nwf("U+FFFE/U+FFFF is not an XML character"));
        }
        if b >= 0x20 && !(b == b'&' && mode == Mode::Attr) {
            i += 1;
            continue;
        }
        let (rep, len) = match b {
            b'&' => {
                let end = raw[i..]
                    .find(';')
                    .ok_or_else(|| XmlError::nwf("unterminated entity reference"))?;
                (resolve_ref(&raw[i + 1..i + end])?, end + 1)
            }
            b'\r' => {
                let len = if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                (if mode == Mode::Attr { ' ' } else { '\n' }, len)
            }
            b'\n' | b'\t' if mode == Mode::Attr => (' ', 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            _ => return Err(XmlError::nwf("control character in XML text")),
        };
        let s = out.get_or_insert_with(|| String::with_capacity(raw.len()));
        s.push_str(&raw[run..i]);
        s.push(rep);
        i += len;
        run = i;
    }
    Ok(match out {
        None => Cow::Borrowed(raw),
        Some(mut s) => {
            s.push_str(&raw[run..]);
            Cow::Owned(s)
        }
    })
}

/// Resolves the body of a reference (`amp`, `#x263A`, ...). Only the five predefined entities
/// and character references to legal XML characters are accepted.
pub(crate) fn resolve_ref(name: &str) -> Result<char, XmlError> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => {
            let Some(num) = name.strip_prefix('#') else {
                return Err(XmlError::RestrictedXml(format!(
                    "entity reference &{name}; is not allowed"
                )));
            };
            let code = match num.strip_prefix('x') {
                Some(hex) => parse_code(hex, 16),
                None => parse_code(num, 10),
            };
            code.and_then(char::from_u32)
                .filter(|&c| is_xml_char(c))
                .ok_or_else(|| {
                    XmlError::NotWellFormed(format!("invalid character reference &{name};"))
                })
        }
    }
}

fn parse_code(digits: &str, radix: u32) -> Option<u32> {
    // from_str_radix accepts a leading '+', XML does not; bound the length before parsing.
    if digits.is_empty() || digits.len() > 8 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML whitespace (the `S` production).
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a qualified name into (prefix, local name), validating both parts as NCNames.
pub(crate) fn split_qname(qname: &str) -> Result<(Option<&str>, &str), XmlError> {
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname),
    };
    if prefix.is_some_and(|p| !is_ncname(p)) || !is_ncname(local) {
        return Err(XmlError::NotWellFormed(format!(
            "invalid XML name {qname:?}"
        )));
    }
    Ok((prefix, local))
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '_'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_mode_normalises_line_ends_and_borrows_when_clean() {
        assert!(matches!(
            decode("plain & simple\n", Mode::Text),
            Ok(Cow::Borrowed(_))
        ));
        assert_eq!(decode("a\r\nb\rc", Mode::Text).as_deref(), Ok("a\nb\nc"));
    }

    #[test]
    fn attr_mode_resolves_references_and_normalises_whitespace() {
        assert_eq!(
            decode("&lt;&gt;&amp;&quot;&apos;&#65;&#x263A;\t\r\n x", Mode::Attr).as_deref(),
            Ok("<>&\"'A\u{263A}   x")
        );
        assert!(matches!(
            decode("&foo;", Mode::Attr),
            Err(XmlError::RestrictedXml(_))
        ));
        assert!(matches!(
            decode("&amp", Mode::Attr),
            Err(XmlError::NotWellFormed(_))
        ));
    }

    #[test]
    fn illegal_characters_rejected() {
        for bad in ["a\u{1}", "\u{0}", "x\u{FFFE}", "\u{FFFF}"] {
            assert!(
                matches!(decode(bad, Mode::Text), Err(XmlError::NotWellFormed(_))),
                "{bad:?}"
            );
        }
        assert!(decode("\u{FFFD}\u{F000}", Mode::Text).is_ok());
    }

    #[test]
    fn char_refs_must_be_legal_chars() {
        assert_eq!(resolve_ref("#x10FFFF"), Ok('\u{10FFFF}'));
        assert_eq!(resolve_ref("#9"), Ok('\t'));
        for bad in [
            "#0",
            "#x1",
            "#xD800",
            "#xFFFE",
            "#x110000",
            "#",
            "#x",
            "#+5",
            "#99999999999",
        ] {
            assert!(
                matches!(resolve_ref(bad), Err(XmlError::NotWellFormed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            resolve_ref("nbsp"),
            Err(XmlError::RestrictedXml(_))
        ));
    }

    #[test]
    fn qualified_names() {
        assert_eq!(split_qname("stream:stream"), Ok((Some("stream"), "stream")));
        assert_eq!(split_qname("body"), Ok((None, "body")));
        assert_eq!(split_qname("x-1.y"), Ok((None, "x-1.y")));
        assert_eq!(split_qname("ünï"), Ok((None, "ünï")));
        for bad in ["", ":a", "a:", "a:b:c", "1a", "-a", "a b", "a&b", "a>"] {
            assert!(split_qname(bad).is_err(), "{bad:?}");
        }
    }
}
