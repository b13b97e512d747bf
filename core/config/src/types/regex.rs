//! `RegexValue`: an option holding a validated regular expression.

use std::fmt;

use regex::Regex;

use crate::ast::ValueNode;
use crate::types::{FromValue, ValueType, mismatch};

/// A compiled regular expression; `/re/` (slashes around it) and a bare `re` mean the same.
#[derive(Debug, Clone)]
pub struct RegexValue(pub Regex);

impl RegexValue {
    /// Compiles `text`, removing one pair of surrounding slashes.
    pub fn new(text: &str) -> Result<Self, regex::Error> {
        let pattern = text
            .strip_prefix('/')
            .and_then(|t| t.strip_suffix('/'))
            .unwrap_or(text);
        Regex::new(pattern).map(RegexValue)
    }

    /// True when the expression matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

/// The last line of a regex error ("error: unclosed group"), without the pattern diagram.
fn short(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

impl FromValue for RegexValue {
    const VALUE_TYPE: ValueType = ValueType::Regex;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        let text = v
            .value
            .as_scalar()
            .ok_or_else(|| mismatch(&Self::VALUE_TYPE, v))?;
        RegexValue::new(text)
            .map_err(|e| format!("{} ({})", mismatch(&Self::VALUE_TYPE, v), short(&e)))
    }
}

impl PartialEq for RegexValue {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl fmt::Display for RegexValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;

    fn conv(src: &str) -> Result<RegexValue, String> {
        RegexValue::from_value(&parse_value(src, "t").map_err(|d| d.to_string())?)
    }

    #[test]
    fn slashes_are_optional() {
        let r = conv("\"/(?:^|[.])example[.]com$/\"").expect("regex");
        assert!(r.is_match("mail.example.com"));
        assert!(!r.is_match("example.org"));
        assert_eq!(r.to_string(), "(?:^|[.])example[.]com$");
        assert_eq!(conv("\"^a+$\"").map(|r| r.is_match("aaa")), Ok(true));
        assert_eq!(r, RegexValue::new("(?:^|[.])example[.]com$").expect("same"));
    }

    #[test]
    fn invalid_regex_gives_a_one_line_reason() {
        assert_eq!(
            conv("\"(abc\""),
            Err("expected a regular expression, got '(abc' (unclosed group)".into())
        );
        assert_eq!(
            conv("( a )"),
            Err("expected a regular expression, got an array".into())
        );
    }
}
