//! Statements: `option [=] value`, `Scope [instance] [=] { … }` and `[readonly_]include "path"`.

use crate::ast::{Name, OptionNode, ScopeNode};
use crate::diag::{Diagnostic, Location};
use crate::parse::include::Loader;
use crate::parse::lexer::Lexer;
use crate::parse::token::Tok;
use crate::parse::value::{MAX_DEPTH, is_name, value};

/// Parses the items of one file into a scope, asking the loader to splice includes.
pub(crate) struct Parser<'a, 'l> {
    pub(crate) lex: Lexer<'a>,
    pub(crate) loader: &'l mut Loader,
    /// Everything parsed here comes from a `readonly_include`.
    pub(crate) readonly: bool,
}

/// The scope whose `}` ends the current item list.
struct Open<'s> {
    kind: &'s str,
    at: &'s Location,
}

impl Parser<'_, '_> {
    /// Parses a whole file's items into `target`.
    pub(crate) fn file(&mut self, target: &mut ScopeNode) -> Result<(), Diagnostic> {
        self.items(target, None)
    }

    fn items(&mut self, target: &mut ScopeNode, open: Option<Open<'_>>) -> Result<(), Diagnostic> {
        loop {
            let t = self.lex.next_token()?;
            match (t.tok, &open) {
                (Tok::Eof, None) | (Tok::Punct('}'), Some(_)) => return Ok(()),
                (Tok::Eof, Some(o)) => {
                    return Err(Diagnostic::error(
                        t.loc,
                        format!(
                            "expected '}}' to close scope '{}' opened at {}:{}",
                            o.kind, o.at.line, o.at.col
                        ),
                    ));
                }
                (Tok::Punct('}'), None) => {
                    return Err(Diagnostic::error(
                        t.loc,
                        "unexpected '}' with no open scope",
                    ));
                }
                (Tok::Word(w), _) if is_name(&w) => self.item(Name::new(w), t.loc, target)?,
                (other, _) => {
                    return Err(Diagnostic::error(
                        t.loc,
                        format!("expected an option or scope name, got {}", other.describe()),
                    ));
                }
            }
        }
    }

    fn item(&mut self, name: Name, at: Location, target: &mut ScopeNode) -> Result<(), Diagnostic> {
        let readonly_kw = name.eq_ignore_case("readonly_include");
        if readonly_kw || name.eq_ignore_case("include") {
            return self.include(&name, at, readonly_kw, target);
        }
        if self.lex.peek(0)?.tok == Tok::Punct('=') {
            self.lex.next_token()?;
        }
        if self.lex.peek(0)?.tok == Tok::Punct('{') {
            self.lex.next_token()?;
            return self.scope(name, None, at, target);
        }
        if let Some(instance) = self.scope_instance()? {
            return self.scope(name, Some(instance), at, target);
        }
        let value = value(&mut self.lex, name.as_str(), 0)?;
        target.options.push(OptionNode {
            name,
            value,
            location: at,
            readonly: self.readonly,
        });
        Ok(())
    }

    /// Consumes `instance [=] {` when the next tokens look like one.
    fn scope_instance(&mut self) -> Result<Option<String>, Diagnostic> {
        let Some(instance) = self.lex.peek(0)?.tok.text().map(str::to_string) else {
            return Ok(None);
        };
        let brace_at = match self.lex.peek(1)?.tok {
            Tok::Punct('{') => 1,
            Tok::Punct('=') => 2,
            _ => return Ok(None),
        };
        if self.lex.peek(brace_at)?.tok != Tok::Punct('{') {
            return Ok(None);
        }
        for _ in 0..=brace_at {
            self.lex.next_token()?;
        }
        Ok(Some(instance))
    }

    fn scope(
        &mut self,
        kind: Name,
        instance: Option<String>,
        at: Location,
        target: &mut ScopeNode,
    ) -> Result<(), Diagnostic> {
        if self.loader.depth >= MAX_DEPTH {
            return Err(Diagnostic::error(
                at,
                format!("scopes are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let mut node = ScopeNode::new(kind, instance, at, self.readonly);
        let kind = node.kind.to_string();
        let loc = node.location.clone();
        self.loader.depth += 1;
        let parsed = self.items(
            &mut node,
            Some(Open {
                kind: &kind,
                at: &loc,
            }),
        );
        self.loader.depth -= 1;
        parsed?;
        target.add_child(node);
        Ok(())
    }

    fn include(
        &mut self,
        keyword: &Name,
        at: Location,
        readonly_kw: bool,
        target: &mut ScopeNode,
    ) -> Result<(), Diagnostic> {
        if self.lex.peek(0)?.tok == Tok::Punct('=') {
            self.lex.next_token()?;
        }
        let t = self.lex.next_token()?;
        let Some(path) = t.tok.text() else {
            return Err(Diagnostic::error(
                t.loc,
                format!(
                    "expected a file name after '{keyword}', got {}",
                    t.tok.describe()
                ),
            ));
        };
        self.loader
            .include(path, self.readonly || readonly_kw, &at, target);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::{ScopeNode, Value};
    use crate::parse::parse_str;

    fn ok(src: &str) -> ScopeNode {
        let (tree, diags) = parse_str(src, "t.conf");
        assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
        tree
    }

    fn err(src: &str) -> Vec<String> {
        parse_str(src, "t.conf")
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn scalar(tree: &ScopeNode, name: &str) -> Option<String> {
        tree.get(name)
            .and_then(|v| v.value.as_scalar())
            .map(str::to_string)
    }

    #[test]
    fn options_with_and_without_equals_and_semicolons() {
        let t = ok("a = 1\nb 2;\nc = \"x y\";\nd /opt/x");
        assert_eq!(scalar(&t, "a").as_deref(), Some("1"));
        assert_eq!(scalar(&t, "b").as_deref(), Some("2"));
        assert_eq!(scalar(&t, "c").as_deref(), Some("x y"));
        assert_eq!(scalar(&t, "d").as_deref(), Some("/opt/x"));
        assert_eq!(t.options[1].location.line, 2);
    }

    #[test]
    fn scope_forms() {
        let t = ok("xmpp {}\nEsmtp_Listener = { a 1 }\nDomain yahoo.com { }\n\
                    Listen \"*:5222\" = { Peer \"10.0.0.0/8\" { x = y } }\nxmpp_logger x {}");
        let kinds: Vec<String> = t.children.iter().map(ScopeNode::label).collect();
        assert_eq!(
            kinds,
            vec![
                "xmpp",
                "Esmtp_Listener",
                "Domain \"yahoo.com\"",
                "Listen \"*:5222\"",
                "xmpp_logger \"x\""
            ]
        );
        let peer = &t.children[3].children[0];
        assert_eq!(peer.instance.as_deref(), Some("10.0.0.0/8"));
        assert_eq!((peer.location.line, peer.location.col), (4, 21));
        assert_eq!(scalar(peer, "x").as_deref(), Some("y"));
    }

    #[test]
    fn option_values_can_be_arrays_and_dicts() {
        let t = ok("r = ( 127.0.0.0/8 10.0.0.0/24 )\nAuthPlainParameters [ uri = \"file:///x\" ]");
        assert!(matches!(t.get("R").map(|v| &v.value), Some(Value::Array(a)) if a.len() == 2));
        assert!(matches!(
            t.get("authplainparameters").map(|v| &v.value),
            Some(Value::Dict(_))
        ));
    }

    #[test]
    fn value_followed_by_scope_is_not_an_instance() {
        let t = ok("enable true\nListen \":1\" { }");
        assert_eq!(scalar(&t, "enable").as_deref(), Some("true"));
        assert_eq!(t.children.len(), 1);
    }

    #[test]
    fn unclosed_scope_points_at_eof_and_opening() {
        assert_eq!(
            err("x {\n  Listen \":1\" {\n  }\n"),
            vec!["t.conf:4:1: expected '}' to close scope 'x' opened at 1:1"]
        );
    }

    #[test]
    fn missing_value_and_stray_tokens() {
        assert_eq!(
            err("s {\n idle_time\n}"),
            vec!["t.conf:3:1: expected a value after 'idle_time', got '}'"]
        );
        assert_eq!(
            err("}"),
            vec!["t.conf:1:1: unexpected '}' with no open scope"]
        );
        assert_eq!(
            err("a = 1\n= 2"),
            vec!["t.conf:2:1: expected an option or scope name, got '='"]
        );
        assert_eq!(
            err("a-b = 1"),
            vec!["t.conf:1:1: expected an option or scope name, got 'a-b'"]
        );
        assert_eq!(
            err("include { }"),
            vec!["t.conf:1:9: expected a file name after 'include', got '{'"]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "s {".repeat(5000);
        assert_eq!(
            err(&src),
            vec!["t.conf:1:301: scopes are nested more than 100 levels deep"]
        );
        let ok_depth = format!("{}{}", "s {".repeat(100), "}".repeat(100));
        assert!(err(&ok_depth).is_empty());
        let values = format!("a = {}", "(".repeat(5000));
        assert_eq!(
            err(&values),
            vec!["t.conf:1:105: values are nested more than 100 levels deep"]
        );
    }

    #[test]
    fn parsing_stops_at_the_first_syntax_error_of_a_file() {
        let (t, d) = parse_str("a 1\nb \"x\nc 3", "t.conf");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to_string(), "t.conf:2:3: unterminated string");
        assert_eq!(scalar(&t, "a").as_deref(), Some("1"));
        assert!(t.get("c").is_none());
    }
}
