//! The server's lifecycle, shared by the binary's signal handling and the console: start
//! (load, validate, open the store, configure generation 1, bind, start modules), reload
//! (a whole new generation swapped in, or nothing changes), and shutdown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use impetus_config::Diagnostic;
use impetus_storage::SqliteStore;
use parking_lot::Mutex;

use crate::generation::Generation;
use crate::listener::ListenerManager;
use crate::module::Services;
use crate::options::CoreOptions;
use crate::registry::{Loaded, Registry};
use crate::shutdown::Shutdown;

/// Called with every generation that becomes current (the binary adjusts log levels).
pub type GenerationObserver = Box<dyn Fn(&Generation) + Send + Sync>;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error("Configuration error.")]
    Config(Vec<Diagnostic>),
    /// Something else failed (store, sockets, a module's start).
    #[error("{0}")]
    Other(String),
}

/// A running server.
pub struct Server {
    registry: Registry,
    config_path: PathBuf,
    services: Arc<Services>,
    manager: Arc<ListenerManager>,
    started: Instant,
    // Serialises reloads (SIGHUP and console may race).
    reloading: Mutex<()>,
    observer: GenerationObserver,
}

impl Server {
    /// Starts the server from `config_path`; must run inside a tokio runtime.
    pub fn start(
        registry: Registry,
        config_path: &Path,
        observer: GenerationObserver,
    ) -> Result<Arc<Server>, StartError> {
        let loaded = registry.load(config_path).map_err(StartError::Config)?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        let core =
            CoreOptions::read(&loaded.config.global()).map_err(|d| StartError::Config(vec![d]))?;
        let spool = &core.spool_base;
        std::fs::create_dir_all(spool).map_err(|e| {
            StartError::Other(format!("Cannot create spool_base {}: {e}", spool.display()))
        })?;
        let database = spool.join("impetus.db");
        let store = SqliteStore::open(&database).map_err(|e| {
            StartError::Other(format!("Cannot open the store {}: {e}", database.display()))
        })?;
        // Every store call is timed for the storage latency metric.
        let store = crate::metrics::TimedStore::new(Arc::new(store));
        let services = Arc::new(Services::new(Arc::new(store), Shutdown::new()));
        let generation = Arc::new(
            registry
                .configure(&loaded, services.clone(), 1)
                .map_err(StartError::Config)?,
        );
        observer(&generation);
        let manager = ListenerManager::new(generation.clone());
        manager
            .apply(generation.clone())
            .map_err(|errors| StartError::Other(errors.join("\n")))?;
        start_modules(&generation).map_err(StartError::Other)?;
        let server = Arc::new(Server {
            registry,
            config_path: config_path.to_owned(),
            services: services.clone(),
            manager,
            started: Instant::now(),
            reloading: Mutex::new(()),
            observer,
        });
        services.set_server(&server);
        Ok(server)
    }

    /// Re-reads the configuration file and applies it as a new generation.
    pub fn reload(&self) -> Result<Arc<Generation>, Vec<String>> {
        let loaded = self
            .registry
            .load(&self.config_path)
            .map_err(|d| d.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        self.apply(loaded)
    }

    /// Applies an already loaded configuration (console edits) as a new generation.
    pub fn apply(&self, loaded: Loaded) -> Result<Arc<Generation>, Vec<String>> {
        let _serial = self.reloading.lock();
        let previous = self.manager.current();
        let id = previous.id + 1;
        let to_strings = |diagnostics: Vec<Diagnostic>| {
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        let generation = Arc::new(
            self.registry
                .configure(&loaded, self.services.clone(), id)
                .map_err(to_strings)?,
        );
        self.manager.apply(generation.clone())?;
        start_modules(&generation).map_err(|e| vec![e])?;
        (self.observer)(&generation);
        previous.stop();
        tracing::info!(generation = id, "Configuration reloaded");
        Ok(generation)
    }

    /// The generation new connections get.
    pub fn current(&self) -> Arc<Generation> {
        self.manager.current()
    }

    /// The registry (schema, loading).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The configuration file.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Long-lived services.
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Time since start.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The listener manager (open sockets).
    pub fn listeners(&self) -> &ListenerManager {
        &self.manager
    }

    /// Asks everything to stop; `stopped` returns afterwards.
    pub fn shutdown(&self) {
        self.services.shutdown.trigger();
    }

    /// Waits for `shutdown`, then closes the sockets and stops the modules.
    pub async fn stopped(&self) {
        self.services.shutdown.wait().await;
        self.manager.close_all();
        self.manager.current().stop();
        // Give sessions a moment to send their closing stream errors.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn start_modules(generation: &Arc<Generation>) -> Result<(), String> {
    for loaded in &generation.modules {
        loaded
            .module
            .start(generation)
            .map_err(|e| format!("module {} failed to start: {e}", loaded.name))?;
    }
    Ok(())
}
