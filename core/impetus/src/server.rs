//! Running the server: load and validate the configuration, open the store under
//! `spool_base`, configure generation 1, bind its sockets, start its modules; then reload on
//! SIGHUP (a bad file is rejected with its errors and the running configuration stays) and
//! stop gracefully on SIGTERM or SIGINT.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use impetus_config::Diagnostic;
use impetus_runtime::listener::ListenerManager;
use impetus_runtime::options::CoreOptions;
use impetus_runtime::{Generation, Registry, Services, Shutdown};
use impetus_storage::SqliteStore;
use tokio::signal::unix::{SignalKind, signal};

use crate::builtin;
use crate::config_tools::print_diagnostics;
use crate::logging::{self, FilterHandle};

/// Runs the server until it is told to stop.
pub fn main(config: &Path) -> ExitCode {
    let filter = logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config, filter)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn diagnostics_error(diagnostics: Vec<Diagnostic>) -> anyhow::Error {
    print_diagnostics(&diagnostics);
    anyhow::anyhow!("Configuration error.")
}

async fn serve(path: &Path, filter: FilterHandle) -> anyhow::Result<()> {
    let registry = Registry::new(builtin::modules());
    let loaded = registry.load(path).map_err(diagnostics_error)?;
    print_diagnostics(&loaded.warnings);
    let core =
        CoreOptions::read(&loaded.config.global()).map_err(|d| diagnostics_error(vec![d]))?;
    std::fs::create_dir_all(&core.spool_base)
        .with_context(|| format!("creating spool_base {}", core.spool_base.display()))?;
    let database = core.spool_base.join("impetus.db");
    let store = SqliteStore::open(&database)
        .with_context(|| format!("opening the store {}", database.display()))?;
    let services = Arc::new(Services::new(Arc::new(store), Shutdown::new()));
    let generation = Arc::new(
        registry
            .configure(&loaded, services.clone(), 1)
            .map_err(diagnostics_error)?,
    );
    logging::apply(&filter, &generation);
    let manager = ListenerManager::new(generation.clone());
    manager
        .apply(generation.clone())
        .map_err(|errors| anyhow::anyhow!(errors.join("\n")))?;
    start(&generation).map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(config = %path.display(), pid = std::process::id(), "Impetus started");

    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut current = generation;
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                match reload(&registry, path, &services, &manager, current.id + 1) {
                    Ok(next) => {
                        logging::apply(&filter, &next);
                        current.stop();
                        current = next;
                        tracing::info!(generation = current.id, "Configuration reloaded");
                    }
                    Err(errors) => {
                        for error in errors {
                            tracing::error!("{error}");
                        }
                        tracing::error!("Reconfigure failed.");
                    }
                }
            }
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    tracing::info!("Shutting down");
    services.shutdown.trigger();
    manager.close_all();
    current.stop();
    // Give sessions a moment to send their closing stream errors.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

fn start(generation: &Arc<Generation>) -> Result<(), String> {
    for loaded in &generation.modules {
        loaded
            .module
            .start(generation)
            .map_err(|e| format!("module {} failed to start: {e}", loaded.name))?;
    }
    Ok(())
}

/// Builds and installs a new generation, or returns every reason it cannot.
fn reload(
    registry: &Registry,
    path: &Path,
    services: &Arc<Services>,
    manager: &ListenerManager,
    id: u64,
) -> Result<Arc<Generation>, Vec<String>> {
    let to_strings = |diagnostics: Vec<Diagnostic>| {
        diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let loaded = registry.load(path).map_err(to_strings)?;
    let generation = Arc::new(
        registry
            .configure(&loaded, services.clone(), id)
            .map_err(to_strings)?,
    );
    manager.apply(generation.clone())?;
    start(&generation).map_err(|e| vec![e])?;
    Ok(generation)
}
