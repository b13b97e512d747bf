//! Prints values back in config syntax (for `dump`, labels and messages).

use std::fmt;

use crate::ast::Value;
use crate::parse::is_name;

/// True when `text` cannot be written as a bare word and must be quoted.
pub fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.contains("/*")
        || text.starts_with(';')
        || text.ends_with(';')
        || text
            .chars()
            .any(|c| c.is_whitespace() || "\"{}[]()=#'".contains(c))
}

/// `text` in double quotes with `"` and `\` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar { text, quoted } => {
                if *quoted || needs_quotes(text) {
                    f.write_str(&quote(text))
                } else {
                    f.write_str(text)
                }
            }
            Value::Array(items) => {
                f.write_str("(")?;
                for item in items {
                    write!(f, " {}", item.value)?;
                }
                f.write_str(" )")
            }
            Value::Dict(entries) => {
                f.write_str("[")?;
                for (k, v) in entries {
                    if is_name(k.as_str()) {
                        write!(f, " {k} = {}", v.value)?;
                    } else {
                        write!(f, " {} = {}", quote(k.as_str()), v.value)?;
                    }
                }
                f.write_str(" ]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::ValueNode;
    use crate::diag::Location;

    fn scalar(text: &str, quoted: bool) -> ValueNode {
        ValueNode {
            value: Value::Scalar {
                text: text.into(),
                quoted,
            },
            location: Location::new("t".into(), 1, 1),
        }
    }

    #[test]
    fn bare_words_stay_bare_unless_they_need_quotes() {
        assert_eq!(
            scalar("127.0.0.0/8", false).value.to_string(),
            "127.0.0.0/8"
        );
        assert_eq!(scalar("a b", false).value.to_string(), "\"a b\"");
        assert_eq!(scalar("x/*y", false).value.to_string(), "\"x/*y\"");
        assert_eq!(scalar("", false).value.to_string(), "\"\"");
        assert_eq!(scalar("plain", true).value.to_string(), "\"plain\"");
    }

    #[test]
    fn quotes_escape_quote_and_backslash() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn arrays_and_dicts_print_in_config_syntax() {
        let arr = Value::Array(vec![scalar("a", false), scalar("b c", false)]);
        assert_eq!(arr.to_string(), "( a \"b c\" )");
        assert_eq!(Value::Array(vec![]).to_string(), "( )");
        let dict = Value::Dict(vec![
            ("uri".into(), scalar("file:///x", true)),
            (
                "n".into(),
                ValueNode {
                    value: arr,
                    location: Location::new("t".into(), 1, 1),
                },
            ),
        ]);
        assert_eq!(
            dict.to_string(),
            "[ uri = \"file:///x\" n = ( a \"b c\" ) ]"
        );
    }
}
