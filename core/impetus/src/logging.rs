//! Logging: tracing to stderr. Core crates log at INFO; each module logs at its own
//! `debug_level` (Momentum's per-module debug output), mapped to the module crate's target.
//! `RUST_LOG` overrides everything when set. Warnings and errors are also kept in memory for
//! the console's `paniclog`.

use impetus_config::types::DebugLevel;
use impetus_runtime::Generation;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::reload::Handle;

/// Handle to change the filter when a reload changes `debug_level`s.
pub type FilterHandle = Handle<EnvFilter, tracing_subscriber::Registry>;

/// Installs the subscriber; returns the handle used on reload.
pub fn init() -> FilterHandle {
    use tracing_subscriber::prelude::*;
    let (filter, handle) = tracing_subscriber::reload::Layer::new(EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(true),
        )
        .with(impetus_runtime::paniclog::PanicLogLayer)
        .init();
    handle
}

fn level(debug: DebugLevel) -> &'static str {
    match debug {
        DebugLevel::Debug => "debug",
        DebugLevel::Info | DebugLevel::Notice => "info",
        DebugLevel::Warning => "warn",
        DebugLevel::Error | DebugLevel::Critical => "error",
    }
}

/// Applies the generation's `debug_level`s (or `RUST_LOG`).
pub fn apply(handle: &FilterHandle, generation: &Generation) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => EnvFilter::new(directives),
        _ => {
            let mut directives = String::from("info");
            for module in &generation.modules {
                // Module crates are named mod_<config name>; their log target is that name.
                directives.push_str(&format!(
                    ",mod_{}={}",
                    module.name.to_ascii_lowercase(),
                    level(module.debug_level)
                ));
            }
            EnvFilter::new(directives)
        }
    };
    let _ = handle.reload(filter);
}
