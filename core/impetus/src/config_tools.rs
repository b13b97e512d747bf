//! `check-config`, `dump-config` and `options`: validate a configuration exactly as the server
//! would (parse, validate, configure every module without binding), print it resolved, or
//! print the option reference.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use impetus_config::Diagnostic;
use impetus_runtime::{Registry, Services, Shutdown};
use impetus_storage::SqliteStore;

use crate::builtin;

/// Prints diagnostics to stderr, errors and warnings alike.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{diagnostic}");
    }
}

/// Loads and configures without binding anything; returns the loaded config or every error.
fn validate(path: &Path) -> Result<impetus_runtime::registry::Loaded, Vec<Diagnostic>> {
    let registry = Registry::new(builtin::modules());
    let store =
        SqliteStore::in_memory().map_err(|e| vec![Diagnostic::error(None, e.to_string())])?;
    let services = Arc::new(Services::new(Arc::new(store), Shutdown::new()));
    registry.check(path, services)
}

/// `impetus check-config`.
pub fn check(path: &Path) -> ExitCode {
    match validate(path) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings);
            println!("Configuration valid");
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            ExitCode::FAILURE
        }
    }
}

/// `impetus dump-config`.
pub fn dump(path: &Path) -> ExitCode {
    match validate(path) {
        Ok(loaded) => {
            print!("{}", loaded.config.dump());
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            ExitCode::FAILURE
        }
    }
}

/// `impetus options`: the reference generated from every module's `options.rs`.
pub fn options() -> ExitCode {
    let registry = Registry::new(builtin::modules());
    let schema = registry.schema(&[]);
    let mut specs: Vec<_> = schema.options().collect();
    specs.sort_by_key(|s| s.name);
    for spec in specs {
        println!(
            "{} ({}; default {}; scopes: {}{})\n    {}",
            spec.name,
            spec.ty,
            spec.default.unwrap_or("none"),
            spec.scopes.join(", "),
            if spec.dynamic { "; dynamic" } else { "" },
            spec.doc
        );
    }
    ExitCode::SUCCESS
}
