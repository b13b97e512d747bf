//! `ValueType`: the runtime description of an option's type, for messages and validation.

use std::fmt;
use std::path::PathBuf;

use crate::ast::ValueNode;
use crate::types::{
    DebugLevel, Dict, FromValue, ListenAddr, PeerCidr, Perms, RegexValue, Seconds, Size, Throttle,
    elements, is_none_word, mismatch, word_index,
};

/// What kind of value an option takes; validation checks values against it without knowing
/// the Rust type (so modules loaded at run time can declare options too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Any scalar.
    String,
    /// true/false, yes/no, on/off, enabled/disabled, 1/0.
    Bool,
    /// A signed 64-bit integer.
    Int,
    /// A non-negative integer.
    Uint,
    /// A finite floating-point number.
    Float,
    /// A non-negative number of seconds.
    Seconds,
    /// Octal permissions such as `0660`.
    Perms,
    /// Bytes, optionally with a k/m/g suffix.
    Size,
    /// `COUNT` or `COUNT/SECONDS`.
    Throttle,
    /// A listen address (`*:5222`, `[::1]:5222`, `/path/sock`, …).
    SockAddr,
    /// An IP address or CIDR block.
    Cidr,
    /// A dictionary `[ k = v … ]`.
    Dict,
    /// A file-system path.
    Path,
    /// A debug level name.
    DebugLevel,
    /// A regular expression.
    Regex,
    /// One of a fixed set of words (case-insensitive).
    Enum(&'static [&'static str]),
    /// An array of values (a single scalar counts as a one-element array).
    Array(&'static ValueType),
    /// The inner type, or the word `none` to unset an inherited value.
    Optional(&'static ValueType),
}

impl ValueType {
    /// Checks `v` against this type, returning the "expected …, got …" message on failure.
    pub fn check(&self, v: &ValueNode) -> Result<(), String> {
        fn ok<T>(r: Result<T, String>) -> Result<(), String> {
            r.map(drop)
        }
        match self {
            ValueType::String => ok(String::from_value(v)),
            ValueType::Bool => ok(bool::from_value(v)),
            ValueType::Int => ok(i64::from_value(v)),
            ValueType::Uint => ok(u64::from_value(v)),
            ValueType::Float => ok(f64::from_value(v)),
            ValueType::Seconds => ok(Seconds::from_value(v)),
            ValueType::Perms => ok(Perms::from_value(v)),
            ValueType::Size => ok(Size::from_value(v)),
            ValueType::Throttle => ok(Throttle::from_value(v)),
            ValueType::SockAddr => ok(ListenAddr::from_value(v)),
            ValueType::Cidr => ok(PeerCidr::from_value(v)),
            ValueType::Dict => ok(Dict::from_value(v)),
            ValueType::Path => ok(PathBuf::from_value(v)),
            ValueType::DebugLevel => ok(DebugLevel::from_value(v)),
            ValueType::Regex => ok(RegexValue::from_value(v)),
            ValueType::Enum(words) => word_index(words, v)
                .map(drop)
                .ok_or_else(|| mismatch(self, v)),
            ValueType::Array(inner) => elements(self, v)?.iter().try_for_each(|e| inner.check(e)),
            ValueType::Optional(_) if is_none_word(v) => Ok(()),
            ValueType::Optional(inner) => inner.check(v),
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::String => f.write_str("a string"),
            ValueType::Bool => {
                f.write_str("a boolean (true/false, yes/no, on/off, enabled/disabled, 1/0)")
            }
            ValueType::Int => f.write_str("an integer"),
            ValueType::Uint => f.write_str("a non-negative integer"),
            ValueType::Float => f.write_str("a number"),
            ValueType::Seconds => f.write_str("seconds (a non-negative integer)"),
            ValueType::Perms => f.write_str("octal permissions (e.g. 0660)"),
            ValueType::Size => f.write_str("a size in bytes (optionally with a k, m or g suffix)"),
            ValueType::Throttle => f.write_str("a throttle (COUNT or COUNT/SECONDS, e.g. 60/3)"),
            ValueType::SockAddr => f.write_str(
                "a listen address (*:PORT, :PORT, [*]:PORT, IPv4:PORT, [IPv6]:PORT or /unix/path)",
            ),
            ValueType::Cidr => f.write_str("an IP address or CIDR block (e.g. 10.0.0.0/8)"),
            ValueType::Dict => f.write_str("a dictionary ([ key = value ... ])"),
            ValueType::Path => f.write_str("a path"),
            ValueType::DebugLevel => {
                f.write_str("a debug level (DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL)")
            }
            ValueType::Regex => f.write_str("a regular expression"),
            ValueType::Enum(words) => write!(f, "one of: {}", words.join(", ")),
            ValueType::Array(inner) => write!(f, "an array (each element {inner})"),
            ValueType::Optional(inner) => write!(f, "{inner}, or none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;

    fn check(ty: ValueType, src: &str) -> Result<(), String> {
        let v = parse_value(src, "t").map_err(|d| d.to_string())?;
        ty.check(&v)
    }

    #[test]
    fn display_texts() {
        assert_eq!(
            ValueType::Bool.to_string(),
            "a boolean (true/false, yes/no, on/off, enabled/disabled, 1/0)"
        );
        assert_eq!(
            ValueType::Enum(&["none", "require"]).to_string(),
            "one of: none, require"
        );
        assert_eq!(
            ValueType::Array(&ValueType::Seconds).to_string(),
            "an array (each element seconds (a non-negative integer))"
        );
        assert_eq!(
            ValueType::Optional(&ValueType::Path).to_string(),
            "a path, or none"
        );
    }

    #[test]
    fn check_dispatches_to_the_parsers() {
        assert_eq!(check(ValueType::Seconds, "10"), Ok(()));
        assert_eq!(
            check(ValueType::Seconds, "ten"),
            Err("expected seconds (a non-negative integer), got 'ten'".into())
        );
        assert_eq!(check(ValueType::Enum(&["a", "b"]), "B"), Ok(()));
        assert_eq!(
            check(ValueType::Enum(&["a", "b"]), "c"),
            Err("expected one of: a, b, got 'c'".into())
        );
        assert_eq!(check(ValueType::Array(&ValueType::Uint), "( 1 2 )"), Ok(()));
        assert_eq!(check(ValueType::Array(&ValueType::Uint), "7"), Ok(()));
        assert_eq!(
            check(ValueType::Array(&ValueType::Uint), "( 1 x )"),
            Err("expected a non-negative integer, got 'x'".into())
        );
        assert_eq!(
            check(ValueType::Optional(&ValueType::Seconds), "NONE"),
            Ok(())
        );
        assert_eq!(check(ValueType::Dict, "[ a = 1 ]"), Ok(()));
        assert_eq!(
            check(ValueType::String, "( a )"),
            Err("expected a string, got an array".into())
        );
    }
}
