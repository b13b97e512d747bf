//! Running the server from the command line: start it, reload on SIGHUP (a bad file is
//! rejected with its errors and the running configuration stays) and reopen every module's log
//! files, stop gracefully on SIGTERM or SIGINT (or when the console says `shutdown`).

use std::path::Path;
use std::process::ExitCode;

use impetus_runtime::server::StartError;
use impetus_runtime::{Registry, Server};
use tokio::signal::unix::{SignalKind, signal};

use crate::builtin;
use crate::config_tools::print_diagnostics;
use crate::logging;

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
    runtime.block_on(async {
        let observer = Box::new(move |generation: &impetus_runtime::Generation| {
            logging::apply(&filter, generation)
        });
        let server = match Server::start(Registry::new(builtin::modules()), config, observer) {
            Ok(server) => server,
            Err(StartError::Config(diagnostics)) => {
                print_diagnostics(&diagnostics);
                eprintln!("Configuration error.");
                return ExitCode::FAILURE;
            }
            Err(StartError::Other(message)) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(config = %config.display(), pid = std::process::id(), "Impetus started");
        match handle_signals(&server).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Cannot handle signals: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn handle_signals(server: &Server) -> std::io::Result<()> {
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let stopped = server.stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                if let Err(errors) = server.reload() {
                    for error in errors {
                        tracing::error!("{error}");
                    }
                    tracing::error!("Reconfigure failed.");
                }
                // SIGHUP also reopens log files (logrotate), as the console's `reopen logs`.
                for module in &server.current().modules {
                    module.module.reopen_logs();
                }
            }
            _ = terminate.recv() => server.shutdown(),
            _ = interrupt.recv() => server.shutdown(),
            _ = &mut stopped => break,
        }
    }
    tracing::info!("Impetus stopped");
    Ok(())
}
