//! `include` / `readonly_include`: path resolution, directories, cycle detection, splicing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast::ScopeNode;
use crate::diag::{Diagnostic, Location};
use crate::parse::grammar::Parser;
use crate::parse::lexer::Lexer;

/// Why an included (or the main) file could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IncludeError {
    /// The path does not exist.
    #[error("file not found: {0}")]
    NotFound(String),
    /// The file is already being parsed further up the include chain.
    #[error("include cycle: {0}")]
    Cycle(String),
    /// Any other I/O problem.
    #[error("cannot read '{path}': {source}")]
    Io {
        /// The path as displayed.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl IncludeError {
    fn io(path: &Path, source: io::Error) -> Self {
        let path = path.to_string_lossy().into_owned();
        if source.kind() == io::ErrorKind::NotFound {
            IncludeError::NotFound(path)
        } else {
            IncludeError::Io { path, source }
        }
    }
}

/// Collects diagnostics and tracks the chain of files being parsed.
#[derive(Default)]
pub(crate) struct Loader {
    pub(crate) diags: Vec<Diagnostic>,
    /// (canonical path, displayed name) of each file currently open.
    stack: Vec<(PathBuf, Arc<str>)>,
    /// How many scopes are open, across included files (bounded by `MAX_DEPTH`).
    pub(crate) depth: usize,
}

impl Loader {
    /// Parses `src` (the contents of `file`) into `target`; a syntax error ends this file only.
    pub(crate) fn parse_source(
        &mut self,
        src: &str,
        file: Arc<str>,
        readonly: bool,
        target: &mut ScopeNode,
    ) {
        let canonical = canonical(Path::new(&*file));
        self.stack.push((canonical, file.clone()));
        let mut parser = Parser {
            lex: Lexer::new(src, file),
            loader: self,
            readonly,
        };
        if let Err(d) = parser.file(target) {
            self.diags.push(d);
        }
        self.stack.pop();
    }

    /// Reads and parses the file at `path` (relative to the process, not to another file).
    pub(crate) fn parse_file(
        &mut self,
        path: &Path,
        readonly: bool,
        target: &mut ScopeNode,
    ) -> Result<(), IncludeError> {
        let src = fs::read_to_string(path).map_err(|e| IncludeError::io(path, e))?;
        self.parse_source(&src, path.to_string_lossy().into(), readonly, target);
        Ok(())
    }

    /// Handles `include "raw"` written at `at`, splicing the items into `target`.
    pub(crate) fn include(
        &mut self,
        raw: &str,
        readonly: bool,
        at: &Location,
        target: &mut ScopeNode,
    ) {
        let base = Path::new(&*at.file).parent().unwrap_or(Path::new(""));
        let files = match expand(&base.join(raw)) {
            Ok(files) => files,
            Err(e) => {
                return self
                    .diags
                    .push(Diagnostic::error(at.clone(), e.to_string()));
            }
        };
        for file in files {
            if let Err(e) = self.include_file(&file, readonly, target) {
                self.diags
                    .push(Diagnostic::error(at.clone(), e.to_string()));
            }
        }
    }

    fn include_file(
        &mut self,
        path: &Path,
        readonly: bool,
        target: &mut ScopeNode,
    ) -> Result<(), IncludeError> {
        let canon = canonical(path);
        if let Some(pos) = self.stack.iter().position(|(c, _)| *c == canon) {
            let chain: Vec<&str> = self.stack[pos..]
                .iter()
                .map(|(_, shown)| &**shown)
                .chain(std::iter::once(&*self.stack[pos].1))
                .collect();
            return Err(IncludeError::Cycle(chain.join(" -> ")));
        }
        self.parse_file(path, readonly, target)
    }
}

/// The files an include path names: itself, or a directory's non-dot files in lexical order.
fn expand(path: &Path) -> Result<Vec<PathBuf>, IncludeError> {
    let meta = fs::metadata(path).map_err(|e| IncludeError::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = fs::read_dir(path)
        .map_err(|e| IncludeError::io(path, e))?
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_str;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, text).expect("write");
    }

    fn parse_in(dir: &Path, src: &str) -> (ScopeNode, Vec<String>) {
        let main = dir.join("main.conf");
        let (t, d) = parse_str(src, &main.to_string_lossy());
        (t, d.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn include_splices_into_the_including_scope() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "inc/a.conf", "a = 1\nDomain x { b = 2 }");
        let (t, d) = parse_in(dir.path(), "s {\n  INCLUDE \"inc/a.conf\"\n}\ns { c = 3 }");
        assert!(d.is_empty(), "{d:?}");
        let s = &t.children[0];
        assert!(s.get("a").is_some() && s.get("c").is_some());
        assert_eq!(s.children[0].label(), "Domain \"x\"");
        assert!(s.children[0].location.file.ends_with("inc/a.conf"));
        assert!(!s.readonly);
    }

    #[test]
    fn directory_include_is_lexical_skips_dot_files_and_subdirs() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "d/20.conf", "v = second");
        write(dir.path(), "d/10.conf", "v = first\nw = 1");
        write(dir.path(), "d/.hidden", "v = hidden");
        write(dir.path(), "d/sub/x.conf", "v = sub");
        let (t, d) = parse_in(dir.path(), "include d");
        assert!(d.is_empty(), "{d:?}");
        let vs: Vec<&str> = t
            .options
            .iter()
            .filter_map(|o| o.value.value.as_scalar())
            .collect();
        assert_eq!(vs, vec!["first", "1", "second"]);
    }

    #[test]
    fn readonly_include_marks_everything_inside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "ro.conf", "a 1\ninclude \"more.conf\"");
        write(dir.path(), "more.conf", "s { b 2 }");
        let (t, d) = parse_in(dir.path(), "readonly_include ro.conf\nc 3");
        assert!(d.is_empty(), "{d:?}");
        let ro: Vec<(&str, bool)> = t
            .options
            .iter()
            .map(|o| (o.name.as_str(), o.readonly))
            .collect();
        assert_eq!(ro, vec![("a", true), ("c", false)]);
        assert!(t.children[0].readonly && t.children[0].options[0].readonly);
    }

    #[test]
    fn cycles_and_missing_files_are_reported_at_the_include_site() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "a.conf", "x 1\ninclude \"b.conf\"");
        write(dir.path(), "b.conf", "\n  include \"a.conf\"\ny 2");
        let main = dir.path().join("a.conf");
        let (t, d) = crate::parse::load_file(&main);
        let a = main.to_string_lossy();
        let b = dir.path().join("b.conf");
        let b = b.to_string_lossy();
        assert_eq!(
            d.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![format!("{b}:2:3: include cycle: {a} -> {b} -> {a}")]
        );
        assert!(t.get("y").is_some());
        let (_, d) = parse_in(dir.path(), "\ninclude nope.conf\ninclude \"c.conf\"");
        let nope = dir.path().join("nope.conf");
        let main = dir.path().join("main.conf");
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0],
            format!(
                "{}:2:1: file not found: {}",
                main.to_string_lossy(),
                nope.to_string_lossy()
            )
        );
    }

    #[test]
    fn syntax_error_in_an_included_file_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "bad.conf", "a {");
        let (t, d) = parse_in(dir.path(), "include bad.conf\nb 1\n'");
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].ends_with("bad.conf:1:4: expected '}' to close scope 'a' opened at 1:1"));
        assert!(
            d[1].ends_with("main.conf:3:1: unexpected character \"'\" (strings use double quotes)")
        );
        assert!(t.get("b").is_some());
    }
}
