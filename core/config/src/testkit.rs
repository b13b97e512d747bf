//! A tiny schema for the crate's inline tests (the full one lives in `tests/common`).

use crate::schema::{GLOBAL, InstanceRule, ModuleDecl, Schema, ScopeSpec};
use crate::types::Seconds;
use crate::{ScopeNode, declare_options, parse_str};

declare_options! {
    /// Test options.
    pub struct Opts {
        /// Idle seconds.
        idle_time: Seconds = "0", scopes [lst, listen, peer];
        /// Backlog.
        listen_backlog: u32 = "500", scopes [lst, listen];
        /// A global flag.
        flag: bool = "false", scopes [global];
        /// Per-domain secret.
        secret: Option<String> = none, scopes [domain];
        /// Required, no default.
        needed: String = none, scopes [lg];
    }
}

/// Module `srv` provides `lst` > `listen` > `peer`; `lg` is a non-singleton needing `srv`.
pub(crate) const SRV: ModuleDecl = ModuleDecl {
    name: "srv",
    singleton: true,
    depends: &[],
    scopes: &[
        ScopeSpec {
            name: "lst",
            parents: &[GLOBAL],
            instance: InstanceRule::Forbidden,
            provided_by: Some("srv"),
            doc: "Listener.",
        },
        ScopeSpec {
            name: "listen",
            parents: &["lst"],
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "Socket.",
        },
        ScopeSpec {
            name: "peer",
            parents: &["lst", "listen"],
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "ACL.",
        },
        ScopeSpec {
            name: "domain",
            parents: &[GLOBAL],
            instance: InstanceRule::Required,
            provided_by: None,
            doc: "Domain.",
        },
    ],
    options: Opts::SPECS,
    doc: "Server.",
};

/// A non-singleton module that depends on `srv`.
pub(crate) const LG: ModuleDecl = ModuleDecl {
    name: "lg",
    singleton: false,
    depends: &["srv"],
    scopes: &[],
    options: &[],
    doc: "Logger.",
};

/// The test schema.
pub(crate) fn schema() -> Schema {
    Schema::new(&[], &[&SRV, &LG])
}

/// Parses `src`, asserting there are no syntax errors.
pub(crate) fn tree(src: &str) -> ScopeNode {
    let (t, d) = parse_str(src, "t.conf");
    assert!(d.is_empty(), "syntax errors: {d:?}");
    t
}

/// Validates `src` and returns the messages.
pub(crate) fn check(src: &str) -> Vec<String> {
    crate::validate(tree(src), &schema())
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}
