//! The module contract: what every module crate exports and what the registry calls.
//!
//! Lifecycle (after ejabberd's gen_mod): `configure` reads typed options and registers through
//! the [`Registrar`] (no sockets, no tasks); `start` may bind and spawn; `stop` drains. A reload
//! runs a fresh `configure` into a new generation and swaps it in.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use impetus_config::{Config, Diagnostic, ModuleDecl, ScopeNode};
use impetus_storage::Store;
use parking_lot::Mutex;

use crate::generation::Generation;
use crate::registrar::Registrar;
use crate::shutdown::Shutdown;

/// A protocol a module implements, for the generated XEP table and disco.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol {
    /// Specification, e.g. `RFC 6120` or `XEP-0199`.
    pub spec: &'static str,
    /// What of it is implemented, e.g. `complete` or `server side`.
    pub status: &'static str,
}

/// Builds a module instance from its resolved configuration, registering what it provides.
pub type ConfigureFn =
    fn(&ModuleContext<'_>, &mut Registrar) -> Result<Arc<dyn Module>, Vec<Diagnostic>>;

/// What a module crate exports as `pub static MODULE`.
pub struct ModuleSpec {
    /// Name, singleton flag, provided scopes, dependencies and options, for the config schema.
    pub decl: ModuleDecl,
    /// Protocols implemented (README table, disco).
    pub protocols: &'static [Protocol],
    /// Builds a module instance from its resolved configuration.
    pub configure: ConfigureFn,
}

/// A configured module instance.
pub trait Module: Send + Sync + 'static {
    /// Called once the whole generation is configured: bind, spawn.
    fn start(&self, _generation: &Arc<Generation>) -> Result<(), String> {
        Ok(())
    }
    /// Called when the instance's generation is retired or the server stops.
    fn stop(&self) {}
    /// Answers a console command addressed to this module (`<module>[:<inst>] <cmd>`):
    /// `None` when the command is unknown, `Err` for a failed command.
    fn command(&self, _args: &[&str]) -> Option<Result<String, String>> {
        None
    }
    /// Lines for the console's `summary` (name, value).
    fn summary(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Reopens log files (console `reopen logs`, SIGHUP) so logrotate works.
    fn reopen_logs(&self) {}
}

/// Everything `configure` may look at.
pub struct ModuleContext<'a> {
    /// The validated configuration of the generation being built.
    pub config: &'a Arc<Config>,
    /// The module's own stanza (`xmpp {}` or `xmpp_logger "inst" {}`).
    pub stanza: &'a ScopeNode,
    /// The instance name (the module name for singletons).
    pub instance: &'a str,
    /// Long-lived services shared across generations.
    pub services: &'a Services,
}

/// Long-lived services that outlive configuration generations (store, router, shutdown).
pub struct Services {
    /// The embedded (or configured) store.
    pub store: Arc<dyn Store>,
    /// Fires when the server stops.
    pub shutdown: Shutdown,
    shared: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    server: std::sync::OnceLock<std::sync::Weak<crate::server::Server>>,
}

impl Services {
    /// Creates the services around a store.
    pub fn new(store: Arc<dyn Store>, shutdown: Shutdown) -> Self {
        Services {
            store,
            shutdown,
            shared: Mutex::new(HashMap::new()),
            server: std::sync::OnceLock::new(),
        }
    }

    /// The running server (for the console), once it has started.
    pub fn server(&self) -> Option<Arc<crate::server::Server>> {
        self.server.get().and_then(std::sync::Weak::upgrade)
    }

    /// Records the running server; called once by `Server::start`.
    pub(crate) fn set_server(&self, server: &Arc<crate::server::Server>) {
        let _ = self.server.set(Arc::downgrade(server));
    }

    /// Returns the process-wide instance of `T`, creating it on first use. Modules keep state
    /// that must survive reloads here (for example the XMPP router with its live sessions).
    pub fn shared<T: Any + Send + Sync>(&self, create: impl FnOnce() -> T) -> Arc<T> {
        let mut shared = self.shared.lock();
        let entry = shared
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(create()) as Arc<dyn Any + Send + Sync>)
            .clone();
        drop(shared);
        match entry.downcast::<T>() {
            Ok(value) => value,
            Err(_) => unreachable!("the map is keyed by TypeId"),
        }
    }
}
