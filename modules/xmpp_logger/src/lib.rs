//! The `xmpp_logger` module (spec §6): Momentum's XMPP log. Each instance
//! (`xmpp_logger "xmpp_logger1" { logfile = ... }`) appends one line per event to its
//! `logfile`: an `R` record for every stanza a local client sends (the `stanza/in` hook), a
//! `D` record for every stanza queued to a local session (`stanza/delivered`), and an `M`
//! heartbeat every `heartbeat` seconds, each laid out by its `_format` string of `+`-separated
//! macros. Stanza bodies appear only through `%so`, which obfuscates what people wrote, unless
//! the admin asks for the raw stanza with `%sr`. Writing happens on a dedicated thread and never
//! blocks the event loop; `reopen logs` (console) and SIGHUP reopen the file for logrotate.
//!
//! # Layout
//! - `options.rs`: the options, with Momentum's defaults.
//! - `format.rs`: compiling and expanding format strings (the macros).
//! - `obfuscate.rs`: the privacy rule of `%so`.
//! - `writer.rs`: the writer thread per file, shared across configuration generations.
//! - `logger.rs`: an instance: hooks, heartbeat, console hooks.
#![warn(missing_docs)]

pub mod format;
mod logger;
pub mod obfuscate;
pub mod options;
mod writer;

use impetus_config::{ModuleDecl, OptionSpec};
use impetus_runtime::ModuleSpec;

/// The module, as listed in the binary's built-in list.
pub static MODULE: ModuleSpec = ModuleSpec {
    decl: ModuleDecl {
        name: "xmpp_logger",
        singleton: false,
        depends: &["xmpp"],
        scopes: &[],
        options: options::LoggerOptions::SPECS as &[OptionSpec],
        doc: "XMPP reception, delivery and heartbeat records in a log file (Momentum's xmpplog.ec).",
    },
    protocols: &[],
    configure: logger::configure,
};
