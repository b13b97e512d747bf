//! One configuration generation: the validated config, the module instances configured from it
//! and everything they registered. Sessions keep the generation they started with; new
//! connections use the newest (reload model, spec §9.5).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

use impetus_config::Config;
use impetus_config::types::DebugLevel;

use crate::auth::{CredentialScheme, SaslMechanism};
use crate::hooks::{Flow, HookBus, HookPoint};
use crate::listener::ListenRegistration;
use crate::module::{Module, Services};
use crate::registrar::Registrar;
use impetus_xmpp_proto::stanza_error::StanzaError;

/// A configured module instance inside a generation.
pub struct LoadedModule {
    /// Module name (`xmpp`, `xmpp_logger`).
    pub name: String,
    /// Instance name (the module name for singletons).
    pub instance: String,
    /// Whether the module is enabled (`enabled = false` loads it passive).
    pub enabled: bool,
    /// The module's `debug_level`.
    pub debug_level: DebugLevel,
    /// Whether the module is a singleton.
    pub singleton: bool,
    /// The instance.
    pub module: Arc<dyn Module>,
}

/// A validated configuration plus everything its modules registered.
pub struct Generation {
    /// Sequence number, 1 for the first configuration.
    pub id: u64,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Long-lived services.
    pub services: Arc<Services>,
    /// Module instances in config order.
    pub modules: Vec<LoadedModule>,
    hooks: HookBus,
    features: Vec<String>,
    mechanisms: Vec<Arc<dyn SaslMechanism>>,
    schemes: HashMap<String, Arc<dyn CredentialScheme>>,
    listens: Vec<ListenRegistration>,
    provided: HashMap<TypeId, Vec<Arc<dyn std::any::Any + Send + Sync>>>,
}

impl Generation {
    /// Assembles a generation from the registrations of its modules.
    pub fn new(
        id: u64,
        config: Arc<Config>,
        services: Arc<Services>,
        modules: Vec<LoadedModule>,
        registrar: Registrar,
    ) -> Self {
        Generation {
            id,
            config,
            services,
            modules,
            hooks: registrar.hooks,
            features: registrar.features,
            mechanisms: registrar.mechanisms,
            schemes: registrar.schemes,
            listens: registrar.listens,
            provided: registrar.provided,
        }
    }

    /// Runs a hook chain.
    pub fn run_hook<P: 'static>(
        &self,
        point: &'static HookPoint<P>,
        payload: &mut P,
    ) -> Result<Flow, StanzaError> {
        self.hooks.run(point, payload)
    }

    /// Whether a hook point has handlers.
    pub fn has_hook<P: 'static>(&self, point: &'static HookPoint<P>) -> bool {
        self.hooks.has(point)
    }

    /// Names of hook points with handlers.
    pub fn hook_names(&self) -> Vec<&'static str> {
        self.hooks.names()
    }

    /// Disco features registered by modules, in registration order.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// SASL mechanisms provided by auth modules, in config order.
    pub fn mechanisms(&self) -> &[Arc<dyn SaslMechanism>] {
        &self.mechanisms
    }

    /// A credential scheme registered by a module (or by Lua), by scheme name.
    pub fn credential_scheme(&self, name: &str) -> Option<&Arc<dyn CredentialScheme>> {
        self.schemes.get(&name.to_ascii_lowercase())
    }

    /// Sockets this generation wants open.
    pub fn listens(&self) -> &[ListenRegistration] {
        &self.listens
    }

    /// Values of type `T` provided by modules, in registration order.
    pub fn provided<T: std::any::Any + Send + Sync>(&self) -> impl Iterator<Item = &T> {
        self.provided
            .get(&TypeId::of::<T>())
            .into_iter()
            .flatten()
            .filter_map(|value| value.downcast_ref::<T>())
    }

    /// Finds a module instance by name (and instance, when given).
    pub fn module(&self, name: &str, instance: Option<&str>) -> Option<&LoadedModule> {
        self.modules
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name) && instance.is_none_or(|i| m.instance == i))
    }

    /// Stops every module instance.
    pub fn stop(&self) {
        for loaded in self.modules.iter().rev() {
            loaded.module.stop();
        }
    }
}
