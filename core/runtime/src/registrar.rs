//! What modules register while they are configured. Everything registered belongs to the
//! generation being built and is dropped with it: there is no unregister code anywhere.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::{CredentialScheme, SaslMechanism};
use crate::hooks::{Handler, HookBus, HookPoint};
use crate::listener::ListenRegistration;

/// Collects the registrations of every module of one generation.
#[derive(Default)]
pub struct Registrar {
    pub(crate) hooks: HookBus,
    pub(crate) features: Vec<String>,
    pub(crate) mechanisms: Vec<Arc<dyn SaslMechanism>>,
    pub(crate) schemes: HashMap<String, Arc<dyn CredentialScheme>>,
    pub(crate) listens: Vec<ListenRegistration>,
    pub(crate) provided: HashMap<TypeId, Vec<Arc<dyn Any + Send + Sync>>>,
}

impl Registrar {
    /// Adds a handler to a hook point (see `hooks` for the ordering rule).
    pub fn hook<P: Send + 'static>(
        &mut self,
        point: &'static HookPoint<P>,
        order: i32,
        handler: Handler<P>,
    ) {
        self.hooks.add(point, order, handler);
    }

    /// Advertises a service-discovery feature (XEP-0030) on the server's JID.
    pub fn feature(&mut self, namespace: &str) {
        if !self.features.iter().any(|f| f == namespace) {
            self.features.push(namespace.to_owned());
        }
    }

    /// Provides a SASL mechanism.
    pub fn sasl_mechanism(&mut self, mechanism: Arc<dyn SaslMechanism>) {
        self.mechanisms.push(mechanism);
    }

    /// Makes a credential URI scheme (`name://`) available to auth parameters.
    pub fn add_credential_scheme(&mut self, name: &str, scheme: Arc<dyn CredentialScheme>) {
        self.schemes.insert(name.to_ascii_lowercase(), scheme);
    }

    /// A credential scheme registered so far (built-in ones are registered first).
    pub fn credential_scheme(&self, name: &str) -> Option<Arc<dyn CredentialScheme>> {
        self.schemes.get(&name.to_ascii_lowercase()).cloned()
    }

    /// Asks the runtime to keep a socket listening for this generation.
    pub fn listen(&mut self, registration: ListenRegistration) {
        self.listens.push(registration);
    }

    /// Provides a value of any type for other modules to collect (after Prosody's
    /// `module:provides`); for example the xmpp module collects IQ handlers this way.
    pub fn provide<T: Any + Send + Sync>(&mut self, value: T) {
        self.provided
            .entry(TypeId::of::<T>())
            .or_default()
            .push(Arc::new(value));
    }
}
