//! The `scriptlet` module (spec §4): Lua 5.1 scriptlets with Momentum's Lua API. Scripts
//! named by `scriptlet "scriptlet" { script "name" { source = "..." } }` register modules with
//! `msys.registerModule` / `msys.xmpp.registerModule`; their callbacks run on the Impetus hook
//! points (`validate_connect`, `stanza/in`, `stanza/deliver`, `session/bound`,
//! `session/closed`). The shipped `msys.xmpp.presence` script implements rosters, subscriptions
//! and presence (RFC 6121, XEP-0237, XEP-0191). The Lua reference is `scriptlets/README.md`.
//!
//! # Layout
//! - `options.rs`: the module's options and the `script` scope.
//! - `configure.rs`: reading the configuration, loading scripts, registering hooks.
//! - `source.rs`: finding sources on the search path.
//! - `host.rs`: one generation's scripts and the per-thread Lua states that run them.
//! - `instance.rs`: building one sandboxed, limited Lua state.
//! - `dispatch.rs`: callbacks → hook handlers, return codes, error handling.
//! - `vctx.rs`: the `validate_connect` arguments.
//! - `api/`: the Lua API, one file per table; `xml/`: the XML tree and XPath subset.
//! - `error.rs`: typed load and runtime errors.
#![warn(missing_docs)]

pub mod api;
pub mod configure;
pub mod dispatch;
pub mod error;
pub mod host;
pub mod instance;
pub mod options;
pub mod source;
pub mod vctx;
pub mod xml;

use impetus_config::{InstanceRule, ModuleDecl, ScopeSpec};
use impetus_runtime::{ModuleSpec, Protocol};

static SCOPES: [ScopeSpec; 1] = [ScopeSpec {
    name: "script",
    parents: &["scriptlet"],
    instance: InstanceRule::Required,
    provided_by: None,
    doc: "One Lua script; its name must equal the name it passes to msys.registerModule.",
}];

static OPTIONS: std::sync::LazyLock<Vec<impetus_config::OptionSpec>> =
    std::sync::LazyLock::new(|| {
        options::ScriptletOptions::SPECS
            .iter()
            .chain(options::ScriptOptions::SPECS)
            .copied()
            .collect()
    });

/// The module, as listed in the binary's built-in list.
pub static MODULE: std::sync::LazyLock<ModuleSpec> = std::sync::LazyLock::new(|| ModuleSpec {
    decl: ModuleDecl {
        name: "scriptlet",
        singleton: false,
        depends: &[],
        scopes: &SCOPES,
        options: OPTIONS.as_slice(),
        doc: "Lua scriptlets with Momentum's Lua API (roster and presence: msys.xmpp.presence).",
    },
    protocols: &[
        Protocol {
            spec: "RFC 6121",
            status: "roster, subscriptions and presence (msys.xmpp.presence script)",
        },
        Protocol {
            spec: "XEP-0191",
            status: "blocking command (msys.xmpp.presence script)",
        },
        Protocol {
            spec: "XEP-0237",
            status: "roster versioning (msys.xmpp.presence script)",
        },
    ],
    configure: configure::configure,
});
