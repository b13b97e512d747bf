//! Values: scalars, arrays `( … )` and dictionaries `[ k [=] v … ]`.

use crate::ast::{Name, Value, ValueNode};
use crate::diag::{Diagnostic, Location};
use crate::parse::lexer::Lexer;
use crate::parse::token::Tok;

/// How deeply scopes, and separately arrays/dictionaries, may nest.
pub(crate) const MAX_DEPTH: usize = 100;

/// True for option, scope and dictionary-key names: a letter or `_`, then letters, digits, `_`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses one value; `after` names what it belongs to, for "expected a value after '…'";
/// `depth` counts the arrays and dictionaries around it.
pub(crate) fn value(
    lex: &mut Lexer<'_>,
    after: &str,
    depth: usize,
) -> Result<ValueNode, Diagnostic> {
    let t = lex.next_token()?;
    if depth >= MAX_DEPTH {
        return Err(Diagnostic::error(
            t.loc,
            format!("values are nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let value = match t.tok {
        Tok::Word(text) => Value::Scalar {
            text,
            quoted: false,
        },
        Tok::Quoted(text) => Value::Scalar { text, quoted: true },
        Tok::Punct('(') => array(lex, &t.loc, depth + 1)?,
        Tok::Punct('[') => dict(lex, &t.loc, depth + 1)?,
        other => {
            return Err(Diagnostic::error(
                t.loc,
                format!("expected a value after '{after}', got {}", other.describe()),
            ));
        }
    };
    Ok(ValueNode {
        value,
        location: t.loc,
    })
}

fn array(lex: &mut Lexer<'_>, open: &Location, depth: usize) -> Result<Value, Diagnostic> {
    let mut items = Vec::new();
    loop {
        let next = lex.peek(0)?;
        if next.tok == Tok::Punct(')') {
            lex.next_token()?;
            return Ok(Value::Array(items));
        }
        if !next.tok.starts_value() {
            return Err(Diagnostic::error(
                next.loc.clone(),
                format!(
                    "expected a value or ')' to close the array opened at {}:{}, got {}",
                    open.line,
                    open.col,
                    next.tok.describe()
                ),
            ));
        }
        items.push(value(lex, "(", depth)?);
    }
}

fn dict(lex: &mut Lexer<'_>, open: &Location, depth: usize) -> Result<Value, Diagnostic> {
    let mut entries = Vec::new();
    loop {
        let t = lex.next_token()?;
        let key = match t.tok {
            Tok::Punct(']') => return Ok(Value::Dict(entries)),
            Tok::Word(k) if is_name(&k) => k,
            Tok::Quoted(k) => k,
            other => {
                return Err(Diagnostic::error(
                    t.loc,
                    format!(
                        "expected a dictionary key or ']' to close the dictionary opened at {}:{}, got {}",
                        open.line,
                        open.col,
                        other.describe()
                    ),
                ));
            }
        };
        if lex.peek(0)?.tok == Tok::Punct('=') {
            lex.next_token()?;
        }
        let v = value(lex, &key, depth)?;
        entries.push((Name::new(key), v));
    }
}

/// Parses a complete value from text (used for defaults), rejecting anything after it.
pub(crate) fn value_only(lex: &mut Lexer<'_>) -> Result<ValueNode, Diagnostic> {
    let v = value(lex, "=", 0)?;
    let t = lex.next_token()?;
    if t.tok != Tok::Eof {
        return Err(Diagnostic::error(
            t.loc,
            format!("unexpected {} after the value", t.tok.describe()),
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Value, String> {
        let mut lex = Lexer::new(src, "t".into());
        value_only(&mut lex)
            .map(|v| v.value)
            .map_err(|d| d.to_string())
    }

    fn texts(v: &Value) -> Vec<String> {
        match v {
            Value::Array(items) => items.iter().map(|i| i.value.to_string()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn names() {
        assert!(is_name("idle_time"));
        assert!(is_name("_x1"));
        assert!(!is_name("1x"));
        assert!(!is_name("a-b"));
        assert!(!is_name(""));
    }

    #[test]
    fn arrays_may_be_empty_nested_and_commented() {
        assert_eq!(parse("( )"), Ok(Value::Array(vec![])));
        let v = parse("( a \"b c\" /* x */ ( d ) [ k = v ] )").expect("array");
        assert_eq!(texts(&v), vec!["a", "\"b c\"", "( d )", "[ k = v ]"]);
    }

    #[test]
    fn dicts_have_optional_equals_comments_and_nesting() {
        let v = parse("[ uri = \"file:///x\" # c\n realm r n [ a = ( 1 2 ) ] \"X-Key\" = y ]")
            .expect("dict");
        assert_eq!(
            v.to_string(),
            "[ uri = \"file:///x\" realm = r n = [ a = ( 1 2 ) ] \"X-Key\" = y ]"
        );
        match v {
            Value::Dict(e) => assert_eq!(e[1].1.location.line, 2),
            other => panic!("not a dict: {other:?}"),
        }
    }

    #[test]
    fn errors_are_located() {
        assert_eq!(
            parse("( a }"),
            Err("t:1:5: expected a value or ')' to close the array opened at 1:1, got '}'".into())
        );
        assert_eq!(
            parse("[ a-b = 1 ]"),
            Err("t:1:3: expected a dictionary key or ']' to close the dictionary opened at 1:1, got 'a-b'".into())
        );
        assert_eq!(
            parse("[ a = ]"),
            Err("t:1:7: expected a value after 'a', got ']'".into())
        );
        assert_eq!(
            parse("1 2"),
            Err("t:1:3: unexpected '2' after the value".into())
        );
        assert_eq!(
            parse("( a"),
            Err(
                "t:1:4: expected a value or ')' to close the array opened at 1:1, got end of file"
                    .into()
            )
        );
    }
}
