//! Impetus runtime: the module registry, hook bus, listeners with Peer ACLs, TLS and the
//! services modules share (store, router, credential backends).
//!
//! # Layout
//! - `module.rs`: the module contract (`ModuleSpec`, `Module`) every module crate exports.
//! - `registrar.rs`: what a module registers while it is configured (hooks, listeners, SASL
//!   mechanisms, disco features, credential schemes); owned by the module instance.
//! - `hooks.rs`: typed hook points and the ordered hook bus.
//! - `registry.rs`: builds the config schema from every module and configures/starts them.
//! - `generation.rs`: one validated configuration with everything registered for it.
//! - `listener/`: binding sockets (TCP and Unix), the accept loop, Peer ACL resolution.
//! - `tls.rs`: rustls server configs from the TLS options, cached; self-signed fallback.
//! - `auth/`: SASL mechanism and credential backend traits, and the `file://`, `digest://`
//!   and `datasource://` backends.
//! - `options.rs`: the core's own options and scopes (`spool_base`, `Domain`, ...).
//! - `control/`: the Control_Listener (console server side) and its commands.
//! - `metrics/`: the Prometheus metrics (`metrics_listen`), also shown by `summary`.
//! - `paniclog.rs`: the last warnings and errors kept in memory for the console.
//! - `external.rs`: loading `.so` modules through the versioned C ABI.
//! - `server.rs`: the server's lifecycle: start, reload (a new generation), shutdown.
//! - `shutdown.rs`: the shutdown signal every task watches.
#![warn(missing_docs)]

pub mod auth;
pub mod control;
pub mod external;
pub mod generation;
pub mod hooks;
pub mod listener;
pub mod metrics;
pub mod module;
pub mod options;
pub mod paniclog;
pub mod registrar;
pub mod registry;
pub mod server;
pub mod shutdown;
pub mod tls;

pub use generation::Generation;
pub use hooks::{Flow, HookPoint};
pub use module::{Module, ModuleContext, ModuleSpec, Protocol, Services};
pub use registrar::Registrar;
pub use registry::Registry;
pub use server::Server;
pub use shutdown::Shutdown;
