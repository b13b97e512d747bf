//! The module registry: builds the config schema from the core and every module, loads and
//! validates a configuration file, and configures a generation (modules in config order).

use std::path::Path;
use std::sync::Arc;

use impetus_config::{Config, Diagnostic, ModuleDecl, Schema, ScopeNode};

use crate::auth::{DatasourceScheme, DigestFileScheme, PasswdFileScheme};
use crate::external::ExternalModule;
use crate::generation::{Generation, LoadedModule};
use crate::module::{ModuleContext, ModuleSpec, Services};
use crate::options::core_decl;
use crate::registrar::Registrar;

/// A loaded, validated configuration and the external modules it loaded.
pub struct Loaded {
    /// The configuration.
    pub config: Arc<Config>,
    /// External modules it names.
    pub externals: Vec<Arc<ExternalModule>>,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

/// Knows every module that can be named in a configuration.
pub struct Registry {
    builtin: Vec<&'static ModuleSpec>,
}

impl Registry {
    /// A registry of the built-in modules (the binary's one list).
    pub fn new(builtin: Vec<&'static ModuleSpec>) -> Self {
        Registry { builtin }
    }

    /// The schema of the core, the built-in modules and `externals`.
    pub fn schema(&self, externals: &[Arc<ExternalModule>]) -> Schema {
        let core = core_decl();
        let decls: Vec<&ModuleDecl> = self.builtin.iter().map(|s| &s.decl).collect();
        let mut schema = Schema::new(&[&core], &decls);
        for external in externals {
            schema.add_module(*external.decl());
        }
        schema
    }

    /// Reads, loads external modules for, and validates a configuration file; all errors found
    /// are returned together.
    pub fn load(&self, path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
        Self::fail_on_errors(self.read(path)?)
    }

    /// Loads external modules for, and validates, an already parsed tree (console edits).
    pub fn load_tree(&self, root: ScopeNode) -> Result<Loaded, Vec<Diagnostic>> {
        Self::fail_on_errors(self.read_tree(root, Vec::new()))
    }

    fn fail_on_errors(loaded: Loaded) -> Result<Loaded, Vec<Diagnostic>> {
        if loaded.warnings.iter().any(Diagnostic::is_error) {
            return Err(loaded.warnings);
        }
        Ok(loaded)
    }

    /// Loads like [`Registry::load`], then configures every module into a throwaway generation
    /// even when validation found errors, so that the modules' own errors (a listener without
    /// authentication, a refused external module) are reported in the same run as the
    /// validator's: `check-config` prints every error in the file at once.
    pub fn check(&self, path: &Path, services: Arc<Services>) -> Result<Loaded, Vec<Diagnostic>> {
        let mut loaded = self.read(path)?;
        let mut diagnostics = std::mem::take(&mut loaded.warnings);
        if let Err(found) = self.configure(&loaded, services, 0) {
            for diagnostic in found {
                // A bad value is found by the validator and again by the module reading it.
                let text = diagnostic.to_string();
                if !diagnostics.iter().any(|d| d.to_string() == text) {
                    diagnostics.push(diagnostic);
                }
            }
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        loaded.warnings = diagnostics;
        Ok(loaded)
    }

    /// Parses, loads external modules and validates; fails only when the file cannot be parsed.
    /// `warnings` holds every diagnostic found, errors included.
    fn read(&self, path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
        let (root, diagnostics) = impetus_config::load_file(path);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        Ok(self.read_tree(root, diagnostics))
    }

    fn read_tree(&self, root: ScopeNode, mut diagnostics: Vec<Diagnostic>) -> Loaded {
        let externals = crate::external::load_declared(&root, &mut diagnostics);
        let schema = self.schema(&externals);
        let (config, found) = impetus_config::validate(root, &schema);
        diagnostics.extend(found);
        Loaded {
            config: Arc::new(config),
            externals,
            warnings: diagnostics,
        }
    }

    /// Configures every module stanza of `loaded` into generation `id`.
    pub fn configure(
        &self,
        loaded: &Loaded,
        services: Arc<Services>,
        id: u64,
    ) -> Result<Generation, Vec<Diagnostic>> {
        let config = &loaded.config;
        let mut registrar = Registrar::default();
        registrar.add_credential_scheme("file", Arc::new(PasswdFileScheme));
        registrar.add_credential_scheme("digest", Arc::new(DigestFileScheme));
        registrar.add_credential_scheme(
            "datasource",
            Arc::new(DatasourceScheme {
                store: services.store.clone(),
            }),
        );
        let mut modules = Vec::new();
        let mut diagnostics = crate::control::configure(config, &mut registrar);
        diagnostics.extend(crate::metrics::configure(config, &mut registrar));
        for stanza in config.modules() {
            let resolved = config.module(stanza.node);
            let enabled = resolved.get::<bool>("enabled").unwrap_or(true);
            let debug_level = resolved
                .get("debug_level")
                .unwrap_or(impetus_config::types::DebugLevel::Error);
            let context = ModuleContext {
                config,
                stanza: stanza.node,
                instance: stanza.instance.unwrap_or(stanza.name),
                services: &services,
            };
            let builtin = self
                .builtin
                .iter()
                .find(|s| s.decl.name.eq_ignore_ascii_case(stanza.name));
            let external = loaded
                .externals
                .iter()
                .find(|e| e.decl().name.eq_ignore_ascii_case(stanza.name));
            let (singleton, configured) = match (builtin, external) {
                (Some(spec), _) => (
                    spec.decl.singleton,
                    enabled.then(|| (spec.configure)(&context, &mut registrar)),
                ),
                (None, Some(external)) => (
                    false,
                    enabled.then(|| external.configure(&context, &mut registrar)),
                ),
                (None, None) => continue,
            };
            let module = match configured {
                Some(Ok(module)) => module,
                Some(Err(found)) => {
                    diagnostics.extend(found);
                    continue;
                }
                None => Arc::new(Passive),
            };
            modules.push(LoadedModule {
                name: stanza.name.to_owned(),
                instance: stanza.instance.unwrap_or(stanza.name).to_owned(),
                enabled,
                debug_level,
                singleton,
                module,
            });
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        for warning in diagnostics {
            tracing::warn!("{warning}");
        }
        Ok(Generation::new(
            id,
            config.clone(),
            services,
            modules,
            registrar,
        ))
    }
}

/// A module loaded with `enabled = false`: present, registering nothing.
struct Passive;

impl crate::module::Module for Passive {}
