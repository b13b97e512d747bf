//! Options and scopes the core itself provides: the global options it reads, `Domain`,
//! `ThreadPool` and `external_module` scopes.

use std::path::PathBuf;

use impetus_config::{InstanceRule, ModuleDecl, ScopeSpec, declare_options};

declare_options! {
    /// Global options the core reads.
    pub struct CoreOptions {
        /// Directory for the embedded store and other state (Momentum's spool directory).
        spool_base: PathBuf = "/var/spool/impetus", scopes [global];
    }
}

declare_options! {
    /// Options of an `external_module "name" { path = "..." }` scope.
    pub struct ExternalModuleOptions {
        /// Path of the shared object exporting `impetus_module_entry` (the versioned C ABI).
        path: Option<PathBuf> = none, scopes [external_module];
    }
}

declare_options! {
    /// Options of a `ThreadPool "name" {}` scope, accepted for compatibility: tokio schedules
    /// every task, so pools are names only.
    pub struct ThreadPoolOptions {
        /// Threads in the pool (informational).
        concurrency: u32 = "0", scopes [threadpool];
    }
}

static CORE_SCOPES: [ScopeSpec; 3] = [
    ScopeSpec {
        name: "domain",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "Per-domain options; `#xmpp#name` names are XMPP domains (multi-protocol naming).",
    },
    ScopeSpec {
        name: "threadpool",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "A named thread pool (accepted for compatibility).",
    },
    ScopeSpec {
        name: "external_module",
        parents: &["global"],
        instance: InstanceRule::Required,
        provided_by: None,
        doc: "Loads a module from a shared object before the configuration is validated.",
    },
];

static CORE_OPTIONS: std::sync::LazyLock<Vec<impetus_config::OptionSpec>> =
    std::sync::LazyLock::new(|| {
        CoreOptions::SPECS
            .iter()
            .chain(ExternalModuleOptions::SPECS)
            .chain(ThreadPoolOptions::SPECS)
            .copied()
            .collect()
    });

/// The core's declarations (scopes and options that belong to no module stanza).
pub fn core_decl() -> ModuleDecl {
    ModuleDecl {
        name: "core",
        singleton: true,
        depends: &[],
        scopes: &CORE_SCOPES,
        options: CORE_OPTIONS.as_slice(),
        doc: "The Impetus core.",
    }
}
