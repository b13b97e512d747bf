//! Finding Lua sources (spec §4.1): `source = "msys.xmpp.presence"` or `"policy/my_bridge"`
//! names `msys/xmpp/presence.lua` / `policy/my_bridge.lua`, looked up in the directory of the
//! configuration file, then the `script_path` directories, then the shipped library
//! (`scriptlets/` of the source tree, or `/usr/share/impetus/scriptlets` when packaged).
//! `require("lib.roster")` uses the same rules.

use std::path::{Path, PathBuf};

/// The shipped library in the source tree this binary was built from.
const BUILD_TREE_LIBRARY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scriptlets");

/// Where packages install the shipped library.
const PACKAGED_LIBRARY: &str = "/usr/share/impetus/scriptlets";

/// A loaded source file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The chunk name Lua reports in errors: the relative file name, e.g. `msys/xmpp/presence.lua`.
    pub chunk: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Why a source could not be loaded.
#[derive(Debug)]
pub enum Missing {
    /// Not on the search path; the directories searched.
    NotFound(String),
    /// Found but unreadable.
    Unreadable(PathBuf, std::io::Error),
}

/// The ordered directories sources are looked up in.
#[derive(Debug, Clone)]
pub struct SearchPath {
    dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// The search path for a configuration file in `config_dir` with extra `script_path`
    /// entries (relative ones are relative to `config_dir`).
    pub fn new(config_dir: &Path, extra: &[PathBuf]) -> SearchPath {
        let mut dirs = vec![config_dir.to_path_buf()];
        dirs.extend(extra.iter().map(|dir| config_dir.join(dir)));
        dirs.push(PathBuf::from(BUILD_TREE_LIBRARY));
        dirs.push(PathBuf::from(PACKAGED_LIBRARY));
        SearchPath { dirs }
    }

    /// Reads the source `name` (`a.b.c`, `a/b/c`, optionally ending in `.lua`, or absolute).
    pub fn load(&self, name: &str) -> Result<Source, Missing> {
        let relative = file_name(name);
        let candidates: Vec<PathBuf> = if Path::new(&relative).is_absolute() {
            vec![PathBuf::from(&relative)]
        } else {
            self.dirs.iter().map(|dir| dir.join(&relative)).collect()
        };
        let Some(path) = candidates.into_iter().find(|p| p.is_file()) else {
            let searched: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
            return Err(Missing::NotFound(searched.join(", ")));
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Source {
                chunk: relative,
                path,
                text,
            }),
            Err(e) => Err(Missing::Unreadable(path, e)),
        }
    }
}

/// `msys.xmpp.presence` → `msys/xmpp/presence.lua`; `policy/x.lua` stays as it is.
pub fn file_name(name: &str) -> String {
    let stem = name.strip_suffix(".lua").unwrap_or(name);
    let stem = if stem.contains('/') {
        stem.to_owned()
    } else {
        stem.replace('.', "/")
    };
    format!("{stem}.lua")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_files() {
        assert_eq!(file_name("msys.xmpp.presence"), "msys/xmpp/presence.lua");
        assert_eq!(file_name("policy/my_bridge"), "policy/my_bridge.lua");
        assert_eq!(file_name("policy/my_bridge.lua"), "policy/my_bridge.lua");
        assert_eq!(file_name("lib.roster"), "lib/roster.lua");
    }

    #[test]
    fn config_directory_comes_first_and_the_library_is_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("msys/xmpp")).expect("mkdir");
        std::fs::write(dir.path().join("msys/xmpp/presence.lua"), "-- override").expect("write");
        let search = SearchPath::new(dir.path(), &[]);
        let found = search.load("msys.xmpp.presence").expect("found");
        assert_eq!(found.text, "-- override");
        assert_eq!(found.chunk, "msys/xmpp/presence.lua");

        let shipped = SearchPath::new(Path::new("/nonexistent"), &[]);
        let library = shipped.load("msys.xmpp.presence").expect("shipped");
        assert!(library.text.contains("registerModule"));
        assert!(matches!(
            shipped.load("no.such.script"),
            Err(Missing::NotFound(_))
        ));
    }
}
