//! The `key=value, key="quoted"` directive lists of DIGEST-MD5 (RFC 2831 §7.1, the HTTP
//! `#rule` with quoted strings and backslash escapes).

use super::SaslFailure;

/// One parsed directive: the lowercased key and the unescaped value bytes.
pub(crate) type Directive = (String, Vec<u8>);

/// RFC 2616 separators, which may not appear in a token.
const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={} \t";

/// Parses a directive list. Empty list elements (`a=1,,b=2`) and linear white space around
/// elements are allowed; anything else unexpected is `malformed-request`.
pub(crate) fn parse_directives(input: &[u8]) -> Result<Vec<Directive>, SaslFailure> {
    let mut cursor = Cursor { input, pos: 0 };
    let mut out = Vec::new();
    loop {
        cursor.skip_lws();
        match cursor.peek() {
            None => return Ok(out),
            Some(b',') => {
                cursor.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let key = cursor.token()?.to_ascii_lowercase();
        cursor.skip_lws();
        cursor.expect(b'=')?;
        cursor.skip_lws();
        let value = if cursor.peek() == Some(b'"') {
            cursor.quoted()?
        } else {
            cursor.token()?.into_bytes()
        };
        out.push((key, value));
        cursor.skip_lws();
        match cursor.peek() {
            None => return Ok(out),
            Some(b',') => cursor.pos += 1,
            Some(_) => return Err(SaslFailure::MalformedRequest),
        }
    }
}

/// A read position in the input.
struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_lws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), SaslFailure> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(SaslFailure::MalformedRequest)
        }
    }

    /// One or more token characters (ASCII, no controls, no separators).
    fn token(&mut self) -> Result<String, SaslFailure> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b <= 0x20 || b >= 0x7f || SEPARATORS.contains(&b) {
                break;
            }
            self.pos += 1;
        }
        let token = &self.input[start..self.pos];
        if token.is_empty() {
            return Err(SaslFailure::MalformedRequest);
        }
        Ok(token.iter().map(|&b| char::from(b)).collect())
    }

    /// A quoted string starting at the opening quote; `\x` stands for `x`.
    fn quoted(&mut self) -> Result<Vec<u8>, SaslFailure> {
        self.expect(b'"')?;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err(SaslFailure::MalformedRequest),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(value);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    value.push(self.peek().ok_or(SaslFailure::MalformedRequest)?);
                }
                Some(b) => value.push(b),
            }
            self.pos += 1;
        }
    }
}

/// Quotes a value for a directive list, escaping `"` and `\`.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Result<Vec<(String, String)>, SaslFailure> {
        parse_directives(input.as_bytes()).map(|list| {
            list.into_iter()
                .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
                .collect()
        })
    }

    #[test]
    fn parses_tokens_quoted_strings_and_escapes() {
        let got = pairs(r#" Realm="a, \"b\" \\c" , nc=00000001,,qop = auth,empty="" "#).unwrap();
        let want = [
            ("realm", r#"a, "b" \c"#),
            ("nc", "00000001"),
            ("qop", "auth"),
            ("empty", ""),
        ];
        assert_eq!(got, want.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(pairs("").unwrap(), vec![]);
        assert_eq!(pairs(" , ,").unwrap(), vec![]);
        assert_eq!(
            parse_directives("u=\"\u{e9}\"".as_bytes()).unwrap()[0].1,
            "\u{e9}".as_bytes()
        );
    }

    #[test]
    fn rejects_malformed_lists() {
        for bad in [
            "a",
            "a=",
            "=b",
            "a=\"open",
            "a=\"esc\\",
            "a=b c=d",
            "a=\"x\"y",
            "a b=c",
            "a=b;c",
            "a=\u{e9}",
        ] {
            assert_eq!(pairs(bad), Err(SaslFailure::MalformedRequest), "{bad:?}");
        }
    }

    #[test]
    fn quote_round_trips() {
        let value = r#"we"ird\realm"#;
        let parsed = parse_directives(format!("r={}", quote(value)).as_bytes()).unwrap();
        assert_eq!(parsed[0].1, value.as_bytes());
    }
}
