//! Style rules enforced by `cargo test` (after rust-analyzer's tidy test): every Rust file
//! under `core/` and `modules/` opens with a `//!` line, no `dbg!`/`todo!`, module folders
//! are named after their config name, and files stay under the size cap unless they say why.

use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for top in ["core", "modules", "tests/src", "tests/tests"] {
        rust_files(&repository().join(top), &mut files);
    }
    assert!(files.len() > 50, "found only {} Rust files", files.len());
    files
}

/// Every source file starts with a `//!` line saying why it exists.
#[test]
fn every_file_opens_with_a_module_doc() {
    let missing: Vec<_> = all_sources()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! first line: {missing:#?}"
    );
}

/// No debugging leftovers.
#[test]
fn no_dbg_or_todo() {
    let offenders: Vec<_> = all_sources()
        .into_iter()
        .filter(|path| !path.ends_with("tidy.rs"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            text.contains("dbg!(") || text.contains("todo!(")
        })
        .collect();
    assert!(offenders.is_empty(), "dbg!/todo! found in: {offenders:#?}");
}

/// Files over 800 lines must say why in their `//!` block.
#[test]
fn files_stay_small_or_say_why() {
    let offenders: Vec<_> = all_sources()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            text.lines().count() > 800
                && !text
                    .lines()
                    .take(20)
                    .any(|l| l.starts_with("//!") && l.contains("long because"))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "files over 800 lines without a reason: {offenders:#?}"
    );
}

/// A module folder's name is the config name its `ModuleSpec` declares.
#[test]
fn module_folders_match_their_config_names() {
    let modules = repository().join("modules");
    for entry in std::fs::read_dir(&modules).expect("modules/").flatten() {
        let folder = entry.file_name().to_string_lossy().into_owned();
        let lib = std::fs::read_to_string(entry.path().join("src/lib.rs")).unwrap_or_default();
        let declared = format!("name: \"{folder}\"");
        let exported = format!("c\"{folder}\"");
        assert!(
            lib.contains(&declared) || lib.contains(&exported),
            "modules/{folder}/src/lib.rs does not declare the module name \"{folder}\""
        );
    }
}
