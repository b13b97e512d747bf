//! Configuring the scriptlet module for one generation: read the options and `script` scopes,
//! find and read every source, load them into a first Lua state (so syntax errors, a failing
//! `init` or a module name that does not match its script fail the configuration), then hook
//! every callback and register the features the scripts asked for.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use impetus_config::{Diagnostic, Resolved};
use impetus_runtime::{Generation, Module, ModuleContext, Registrar};
use mod_xmpp::features::StreamFeature;

use crate::api::session::SessionData;
use crate::error::LoadError;
use crate::host::{Host, Limits};
use crate::options::{ScriptOptions, ScriptletOptions};
use crate::source::{Missing, SearchPath};

/// The configured module instance.
pub struct Scriptlet {
    /// The scripts and their states.
    pub host: Arc<Host>,
}

impl Module for Scriptlet {
    fn start(&self, generation: &Arc<Generation>) -> Result<(), String> {
        self.host.attach(generation);
        Ok(())
    }
}

/// `ModuleSpec::configure` of the scriptlet module.
pub fn configure(
    context: &ModuleContext<'_>,
    registrar: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    let config = context.config;
    let location = context.stanza.location.clone();
    let error = |message: String| vec![Diagnostic::error(location.clone(), message)];
    let instances: BTreeSet<&str> = config
        .modules()
        .iter()
        .filter(|m| m.name.eq_ignore_ascii_case("scriptlet"))
        .map(|m| m.instance.unwrap_or(m.name))
        .collect();
    if instances.len() > 1 {
        let names: Vec<String> = instances.iter().map(|n| format!("'{n}'")).collect();
        return Err(error(format!(
            "only one scriptlet instance name may be used, found {}",
            names.join(" and ")
        )));
    }
    let options = ScriptletOptions::read(&config.module(context.stanza)).map_err(|d| vec![d])?;
    let config_dir = Path::new(&*location.file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let search = SearchPath::new(config_dir, &options.script_path);
    let mut scripts = Vec::new();
    let mut diagnostics = Vec::new();
    for node in context.stanza.children_of_kind("script") {
        let name = node.instance.clone().unwrap_or_default();
        let resolved = Resolved::new(vec![node], config.schema());
        let script = match ScriptOptions::read(&resolved) {
            Ok(script) => script,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let loaded = search
            .load(&script.source)
            .map_err(|missing| match missing {
                Missing::NotFound(searched) => LoadError::NotFound {
                    script: name.clone(),
                    name: script.source.clone(),
                    searched,
                },
                Missing::Unreadable(path, e) => LoadError::Read {
                    script: name.clone(),
                    path: path.display().to_string(),
                    reason: e.to_string(),
                },
            });
        match loaded {
            Ok(source) => scripts.push((name, source)),
            Err(e) => diagnostics.push(Diagnostic::error(node.location.clone(), e.to_string())),
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let limits = Limits {
        memory: usize::try_from(options.memory_limit.0).unwrap_or(usize::MAX),
        instructions: options.instruction_limit,
        gc_pause: options.gc_pause,
        gc_stepmul: options.gc_stepmul,
        ttl: options.script_ttl.as_duration(),
    };
    let host = Arc::new(Host::new(
        scripts,
        search,
        limits,
        config.clone(),
        context.services.store.clone(),
        context.services.shared(SessionData::default),
    ));
    let first = host.load().map_err(|e| error(e.to_string()))?;
    crate::dispatch::register(&host, &first.modules, registrar)
        .map_err(|e| error(e.to_string()))?;
    let collected = host.finish_loading();
    for feature in collected.features {
        registrar.feature(&feature);
    }
    for element in collected.stream_features {
        registrar.provide(StreamFeature { element });
    }
    Ok(Arc::new(Scriptlet { host }))
}
