//! Impetus configuration: the Momentum-style grammar, includes, typed values, the option
//! schema, validation with located diagnostics, and scope fallback resolution.
//!
//! Pure: no network I/O, no async, never panics on input. The only I/O is reading config
//! files (and the files they include).
//!
//! ```
//! use impetus_config::{parse_str, validate, Schema};
//! let (tree, diags) = parse_str("# nothing yet\n", "impetus.conf");
//! assert!(diags.is_empty());
//! let (config, diags) = validate(tree, &Schema::default());
//! assert!(diags.is_empty());
//! assert!(config.modules().is_empty());
//! ```
//!
//! # Layout
//!
//! - `diag.rs` — `Location`, `Severity`, `Diagnostic` (`FILE:LINE:COL: message`).
//! - `ast.rs` — the spanned tree: `Name`, `ScopeNode`, `OptionNode`, `ValueNode`, `Value`,
//!   and merging of repeated stanzas. `print.rs` prints values back in config syntax.
//! - `parse/` — `token.rs` (nom + nom_locate: comments, strings, bare words, punctuation),
//!   `lexer.rs` (lazy token stream with lookahead and line/column tracking), `value.rs`
//!   (scalars, arrays, dictionaries), `grammar.rs` (options, scopes, includes),
//!   `include.rs` (path resolution, directories, cycles, readonly), `mod.rs` (entry points).
//! - `types/` — `FromValue` and `ValueType` (`mod.rs`, `value_type.rs`), then one file per
//!   family: `scalar.rs`, `units.rs` (seconds, perms, size, throttle), `net.rs` (listen
//!   addresses, peer CIDRs), `dict.rs`, `enums.rs` (`config_enum!`, `DebugLevel`), `regex.rs`.
//! - `schema.rs` — `OptionSpec`, `ScopeSpec`, `ModuleDecl`, `Schema`.
//! - `declare.rs` — the `declare_options!` macro (spec table + typed struct).
//! - `validate/` — `mod.rs` (the walk, options, unknown scopes), `toplevel.rs` (module
//!   stanzas and order), `instances.rs` (Listen/Peer/Domain instance names, duplicate
//!   Listens), `suggest.rs` (did-you-mean).
//! - `resolve/` — `mod.rs` (`Resolved` chains), `config.rs` (`Config`), `listener.rs`
//!   (Listen/Peer longest-prefix chains), `domain.rs` (domain chains), `dump.rs`.
//! - `testkit.rs` — a small schema for the inline tests (test builds only).
//!
//! Tests: inline `mod tests` in each file; `tests/good.rs` (one config with every construct,
//! `tests/data/`), `tests/golden.rs` (`tests/bad/*.conf` → `.expected`; `UPDATE_EXPECT=1`
//! rewrites them), both against the schema in `tests/common/mod.rs`.

pub mod ast;
pub mod declare;
pub mod diag;
pub mod parse;
pub mod print;
pub mod resolve;
pub mod schema;
pub mod types;
pub mod validate;

#[cfg(test)]
mod testkit;

pub use ast::{Name, OptionNode, ScopeNode, Value, ValueNode};
pub use diag::{Diagnostic, Location, Severity};
pub use parse::{load_file, parse_str, parse_value};
pub use resolve::{Config, ListenView, ListenerView, ModuleStanza, Resolved};
pub use schema::{InstanceRule, ModuleDecl, OptionSpec, Schema, ScopeSpec};
pub use types::{FromValue, ValueType};
pub use validate::validate;
