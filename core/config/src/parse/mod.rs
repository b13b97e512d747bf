//! Parser entry points: text or file in, spanned tree plus every diagnostic out.

mod grammar;
mod include;
mod lexer;
mod token;
mod value;

use std::path::Path;
use std::sync::Arc;

use crate::ast::{ScopeNode, ValueNode};
use crate::diag::{Diagnostic, Location};

pub(crate) use value::is_name;

fn root(file: &str) -> ScopeNode {
    ScopeNode::new(
        "global".into(),
        None,
        Location::new(file.into(), 1, 1),
        false,
    )
}

/// Parses `src` as the file `file`; includes are resolved relative to `file`'s directory.
pub fn parse_str(src: &str, file: &str) -> (ScopeNode, Vec<Diagnostic>) {
    let mut tree = root(file);
    let mut loader = include::Loader::default();
    loader.parse_source(src, Arc::from(file), false, &mut tree);
    (tree, loader.diags)
}

/// Reads and parses a config file, following its includes.
pub fn load_file(path: &Path) -> (ScopeNode, Vec<Diagnostic>) {
    let mut tree = root(&path.to_string_lossy());
    let mut loader = include::Loader::default();
    if let Err(e) = loader.parse_file(path, false, &mut tree) {
        loader.diags.push(Diagnostic::error(None, e.to_string()));
    }
    (tree, loader.diags)
}

/// Parses one value written in config syntax (how option defaults are stored).
pub fn parse_value(src: &str, file: &str) -> Result<ValueNode, Diagnostic> {
    let mut lex = lexer::Lexer::new(src, Arc::from(file));
    value::value_only(&mut lex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_file_reports_a_missing_file_without_location() {
        let (tree, diags) = load_file(Path::new("/nonexistent/impetus.conf"));
        assert!(tree.options.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].to_string(),
            "file not found: /nonexistent/impetus.conf"
        );
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "a",
            "Listen",
            "Peer",
            "lst",
            "srv",
            "domain",
            " ",
            "\n",
            "\"",
            "\\",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "=",
            "#",
            "/",
            "*",
            ";",
            "'",
            "*:1",
            "10.0.0.0/8",
            "none",
            "/*",
            "*/",
            "é",
            "include",
            "x.conf",
            "0660",
            "64k",
            "60/3",
            "/(/",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let schema = crate::testkit::schema();
        for _ in 0..3000 {
            let mut src = String::new();
            for _ in 0..(seed % 40) {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                src.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            let (tree, _) = parse_str(&src, "/nonexistent/fuzz.conf");
            let (config, _) = crate::validate(tree, &schema);
            let _ = config.dump();
            let _ = config.domain("example.com").get::<Option<String>>("secret");
            for l in config.scopes("lst") {
                for listen in config.listener(l).listens() {
                    let _ = listen
                        .resolve(None)
                        .get::<crate::types::Seconds>("idle_time");
                }
            }
        }
    }

    #[test]
    fn parse_value_reads_defaults() {
        let v = parse_value("( 1 2 )", "<default>").expect("parses");
        assert_eq!(v.value.to_string(), "( 1 2 )");
        assert!(parse_value("", "<default>").is_err());
    }
}
