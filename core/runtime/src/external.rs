//! Modules loaded from shared objects through the versioned C ABI (`impetus-module-abi`):
//! `external_module "name" { path = "/path/lib.so" }` scopes are read before validation, so
//! the module's stanza and options validate like a built-in's.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::sync::Arc;

use impetus_config::{Diagnostic, ModuleDecl, OptionSpec, ScopeNode, ValueType};
use impetus_module_abi::{ABI_VERSION, ENTRY_SYMBOL, EntryFn, HostV1, KeyValueV1, ModuleV1};
use libloading::Library;

use crate::hooks::Flow;
use crate::listener::VALIDATE_CONNECT;
use crate::module::{Module, ModuleContext};
use crate::registrar::Registrar;

/// A loaded shared object and the module it exports.
pub struct ExternalModule {
    module: &'static ModuleV1,
    decl: ModuleDecl,
    // Dropped last: every pointer above points into this library.
    _library: Library,
}

// SAFETY: the ABI requires module data to be immutable and its functions thread-safe.
unsafe impl Send for ExternalModule {}
// SAFETY: as above.
unsafe impl Sync for ExternalModule {}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Reads a C string from the module.
///
/// # Safety
/// `ptr` must be null or a NUL-terminated string that outlives the library.
unsafe fn c_text(ptr: *const c_char) -> Option<String> {
    // SAFETY: guaranteed by the caller.
    (!ptr.is_null()).then(|| {
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    })
}

impl ExternalModule {
    /// Loads `path` and checks its ABI version before reading anything else.
    pub fn load(path: &Path) -> Result<Self, String> {
        if !path.is_file() {
            return Err(format!(
                "cannot load module {}: no such file",
                path.display()
            ));
        }
        // SAFETY: loading a library runs its initialisers; admins name these files explicitly.
        let library = unsafe { Library::new(path) }.map_err(|e| {
            // libloading's message is generic ("dlopen failed"); the reason is its source.
            let reason = std::error::Error::source(&e)
                .map(|source| format!(": {source}"))
                .unwrap_or_default();
            format!("cannot load module {}: {e}{reason}", path.display())
        })?;
        // SAFETY: the symbol has the ABI's entry signature.
        let entry: EntryFn = *unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) }.map_err(|_| {
            format!(
                "{} is not an Impetus module: it does not export impetus_module_entry",
                path.display()
            )
        })?;
        // SAFETY: the entry function returns a pointer to static module data (or null).
        let raw = unsafe { entry() };
        if raw.is_null() {
            return Err(format!(
                "{}: impetus_module_entry returned null",
                path.display()
            ));
        }
        // SAFETY: the first field of every ABI version is the u32 version.
        let version = unsafe { *(raw as *const u32) };
        if version != ABI_VERSION {
            return Err(format!(
                "{} was built for module ABI version {version}, but this server supports version {ABI_VERSION}; rebuild the module against this release",
                path.display()
            ));
        }
        // SAFETY: the version matches, so the data has the V1 layout and lives as long as the library.
        let module: &'static ModuleV1 = unsafe { &*raw };
        // SAFETY: strings in the module table are static in the library.
        let name = unsafe { c_text(module.name) }
            .ok_or("the module has no name")?
            .to_ascii_lowercase();
        let doc = unsafe { c_text(module.doc) }.unwrap_or_default();
        let mut options = Vec::new();
        for i in 0..module.option_count {
            // SAFETY: `options` points to `option_count` entries.
            let option = unsafe { &*module.options.add(i) };
            // SAFETY: static strings in the library.
            let option_name = unsafe { c_text(option.name) }
                .ok_or("an option has no name")?
                .to_ascii_lowercase();
            let option_doc = unsafe { c_text(option.doc) }
                .filter(|d| !d.is_empty())
                .ok_or_else(|| format!("option '{option_name}' has no doc"))?;
            let default = unsafe { c_text(option.default) };
            options.push(OptionSpec {
                name: leak(option_name),
                ty: ValueType::String,
                default: default.map(leak),
                scopes: Box::leak(Box::new([leak(name.clone())])),
                dynamic: false,
                doc: leak(option_doc),
            });
        }
        let decl = ModuleDecl {
            name: leak(name),
            singleton: false,
            depends: &[],
            scopes: &[],
            options: Box::leak(options.into_boxed_slice()),
            doc: leak(doc),
        };
        Ok(ExternalModule {
            module,
            decl,
            _library: library,
        })
    }

    /// The module's declarations for the schema.
    pub fn decl(&self) -> &ModuleDecl {
        &self.decl
    }

    /// Configures an instance: passes its options, registers its hooks.
    pub fn configure(
        self: &Arc<Self>,
        context: &ModuleContext<'_>,
        registrar: &mut Registrar,
    ) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
        let resolved = context.config.module(context.stanza);
        let mut owned = Vec::new();
        for option in self.decl.options {
            if let Some(value) = resolved
                .get_raw(option.name)
                .and_then(|v| v.value.as_scalar())
            {
                let key = CString::new(option.name)
                    .map_err(|e| vec![Diagnostic::error(None, e.to_string())])?;
                let value = CString::new(value).map_err(|e| {
                    vec![Diagnostic::error(
                        context.stanza.location.clone(),
                        e.to_string(),
                    )]
                })?;
                owned.push((key, value));
            }
        }
        let pairs: Vec<KeyValueV1> = owned
            .iter()
            .map(|(k, v)| KeyValueV1 {
                key: k.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        let host = HostV1 {
            abi_version: ABI_VERSION,
            log: host_log,
        };
        // SAFETY: the pointers are valid for the call; the module copies what it keeps.
        let state = unsafe { (self.module.configure)(&host, pairs.as_ptr(), pairs.len()) };
        if state.is_null() {
            return Err(vec![Diagnostic::error(
                context.stanza.location.clone(),
                format!("module '{}' refused its configuration", self.decl.name),
            )]);
        }
        let instance = Arc::new(Instance {
            state,
            library: self.clone(),
        });
        if let Some(validate) = self.module.validate_connect {
            let hook_instance = instance.clone();
            registrar.hook(
                &VALIDATE_CONNECT,
                crate::hooks::DEFAULT_ORDER,
                Arc::new(move |attempt| {
                    let peer = CString::new(attempt.peer.to_string()).unwrap_or_default();
                    // SAFETY: the state is alive while the instance is; the string outlives the call.
                    if unsafe { validate(hook_instance.state, peer.as_ptr()) } != 0 {
                        attempt.refuse = Some(format!(
                            "refused by module {}",
                            hook_instance.library.decl.name
                        ));
                        return Ok(Flow::Done);
                    }
                    Ok(Flow::Continue)
                }),
            );
        }
        Ok(instance)
    }
}

unsafe extern "C" fn host_log(level: u32, message: *const c_char) {
    // SAFETY: modules pass NUL-terminated strings.
    let text = unsafe { c_text(message) }.unwrap_or_default();
    match level {
        0 => tracing::debug!(target: "external_module", "{text}"),
        1 | 2 => tracing::info!(target: "external_module", "{text}"),
        3 => tracing::warn!(target: "external_module", "{text}"),
        _ => tracing::error!(target: "external_module", "{text}"),
    }
}

/// One configured instance of an external module.
struct Instance {
    state: *mut c_void,
    library: Arc<ExternalModule>,
}

// SAFETY: the ABI requires the module's functions to be thread-safe for its state.
unsafe impl Send for Instance {}
// SAFETY: as above.
unsafe impl Sync for Instance {}

impl Module for Instance {}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: `state` came from `configure` and is destroyed exactly once.
        unsafe { (self.library.module.destroy)(self.state) };
    }
}

/// Loads every `external_module` scope of a parsed (not yet validated) configuration.
pub fn load_declared(
    root: &ScopeNode,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Arc<ExternalModule>> {
    let mut loaded = Vec::new();
    for node in root.children_of_kind("external_module") {
        let Some(path) = node.get("path").and_then(|v| v.value.as_scalar()) else {
            diagnostics.push(Diagnostic::error(
                node.location.clone(),
                "external_module needs a 'path' to the shared object",
            ));
            continue;
        };
        match ExternalModule::load(Path::new(path)) {
            Ok(module) => loaded.push(Arc::new(module)),
            Err(message) => diagnostics.push(Diagnostic::error(node.location.clone(), message)),
        }
    }
    loaded
}
