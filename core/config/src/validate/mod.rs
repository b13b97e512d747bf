//! Validation: checks a parsed tree against the schema and collects every problem.

mod instances;
mod suggest;
mod toplevel;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{OptionNode, ScopeNode};
use crate::diag::{Diagnostic, Location};
use crate::resolve::Config;
use crate::schema::{GLOBAL, InstanceRule, Schema, ScopeSpec};
pub(crate) use instances::is_regex_domain;
use suggest::{closest, did_you_mean};

/// Validates `root` against `schema`, returning the configuration and every diagnostic found.
/// The configuration is usable for inspection even when there are errors.
pub fn validate(root: ScopeNode, schema: &Schema) -> (Config, Vec<Diagnostic>) {
    let mut v = Validator {
        schema,
        diags: Vec::new(),
        listens: HashMap::new(),
    };
    v.walk(&root, GLOBAL, "Global");
    (Config::new(root, Arc::new(schema.clone())), v.diags)
}

struct Validator<'s> {
    schema: &'s Schema,
    diags: Vec<Diagnostic>,
    /// `ListenAddr::key` → where that address was first used.
    listens: HashMap<String, Location>,
}

impl<'s> Validator<'s> {
    /// Checks `node`, known to the schema as scope kind `scope` and shown as `display`.
    fn walk(&mut self, node: &ScopeNode, scope: &str, display: &str) {
        for opt in &node.options {
            self.option(opt, scope, display);
        }
        for (i, child) in node.children.iter().enumerate() {
            if let Some(kind) = self.child(scope, display, child, &node.children[..i]) {
                self.walk(child, kind, child.kind.as_str());
            }
        }
    }

    /// Checks a child scope's placement; returns its schema kind when it is known.
    fn child(
        &mut self,
        scope: &str,
        display: &str,
        child: &ScopeNode,
        before: &[ScopeNode],
    ) -> Option<&'s str> {
        let schema = self.schema;
        let at_top = scope.eq_ignore_ascii_case(GLOBAL);
        if at_top && let Some(module) = schema.module(child.kind.as_str()) {
            self.module_stanza(module, child, before);
            return Some(module.name);
        }
        let Some(spec) = schema.child_scope(scope, child.kind.as_str()) else {
            self.unknown_scope(child, scope, display, at_top);
            return None;
        };
        self.instance_rule(child, spec);
        if let Some(provider) = spec.provided_by {
            self.require_before(child, provider, before);
        }
        self.check_instance(child);
        Some(spec.name)
    }

    fn instance_rule(&mut self, child: &ScopeNode, spec: &ScopeSpec) {
        let message = match (spec.instance, &child.instance) {
            (InstanceRule::Required, None) => {
                format!(
                    "'{0}' needs an instance name: {0} \"NAME\" {{ ... }}",
                    child.kind
                )
            }
            (InstanceRule::Forbidden, Some(inst)) => {
                format!(
                    "'{}' does not take an instance name (got '{inst}')",
                    child.kind
                )
            }
            _ => return,
        };
        self.diags
            .push(Diagnostic::error(child.location.clone(), message));
    }

    fn option(&mut self, opt: &OptionNode, scope: &str, display: &str) {
        let name = opt.name.as_str();
        if let Some(spec) = self.schema.option_in(name, scope) {
            if let Err(m) = spec.ty.check(&opt.value) {
                self.diags.push(Diagnostic::error(
                    opt.value.location.clone(),
                    format!("invalid value for '{name}': {m}"),
                ));
            }
            return;
        }
        let message = if self.schema.is_option(name) {
            format!(
                "'{name}' is not valid in scope '{display}'; it is valid in: {}",
                self.schema.option_scopes(name).join(", ")
            )
        } else {
            let here: Vec<&str> = self
                .schema
                .options_in(scope)
                .iter()
                .map(|o| o.name)
                .collect();
            let everywhere: Vec<&str> = self.schema.options().map(|o| o.name).collect();
            let best = closest(name, here).or_else(|| closest(name, everywhere));
            format!(
                "'{name}' is not a valid option in scope '{display}'{}",
                did_you_mean(best)
            )
        };
        self.diags
            .push(Diagnostic::error(opt.location.clone(), message));
    }

    fn unknown_scope(&mut self, child: &ScopeNode, scope: &str, display: &str, at_top: bool) {
        let kind = child.kind.as_str();
        let parents = self.scope_parents(kind);
        let message = if !parents.is_empty() {
            format!(
                "'{kind}' is not a valid scope name in scope '{display}'; it is valid in: {}",
                parents.join(", ")
            )
        } else if at_top {
            toplevel::unknown_stanza(self.schema, kind)
        } else {
            let here: Vec<&str> = self
                .schema
                .scopes()
                .filter(|s| s.parents.iter().any(|p| p.eq_ignore_ascii_case(scope)))
                .map(|s| s.name)
                .collect();
            format!(
                "'{kind}' is not a valid scope name in scope '{display}'{}",
                did_you_mean(closest(kind, here))
            )
        };
        self.diags
            .push(Diagnostic::error(child.location.clone(), message));
    }

    /// The scope kinds where scope kind `kind` may appear, sorted.
    fn scope_parents(&self, kind: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .schema
            .scopes()
            .filter(|s| s.name.eq_ignore_ascii_case(kind))
            .flat_map(|s| s.parents.iter().map(|p| p.to_ascii_lowercase()))
            .collect();
        if self.schema.module(kind).is_some() {
            out.push(GLOBAL.to_string());
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check;

    #[test]
    fn a_valid_config_has_no_diagnostics() {
        let d = check(
            "flag on\nsrv {}\nlst { idle_time 5 Listen \"*:1\" { Peer 10.0.0.1 { idle_time 1 } } }\nlg {}",
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn unknown_option_suggests_a_name_valid_here_first() {
        assert_eq!(
            check("srv {}\nlst { idel_time 5 }"),
            vec![
                "t.conf:2:7: 'idel_time' is not a valid option in scope 'lst'; did you mean 'idle_time'?"
            ]
        );
        assert_eq!(
            check("zzz_qqq = 1"),
            vec!["t.conf:1:1: 'zzz_qqq' is not a valid option in scope 'Global'"]
        );
    }

    #[test]
    fn misplaced_option_lists_valid_scopes() {
        assert_eq!(
            check("srv {}\nlst { Peer \"10.0.0.0/8\" { Listen_Backlog 1 } }"),
            vec![
                "t.conf:2:27: 'Listen_Backlog' is not valid in scope 'Peer'; it is valid in: listen, lst"
            ]
        );
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        assert_eq!(
            check("srv {}\nlst { idle_time = ten }"),
            vec![
                "t.conf:2:19: invalid value for 'idle_time': expected seconds (a non-negative integer), got 'ten'"
            ]
        );
    }

    #[test]
    fn unknown_and_misplaced_scopes() {
        assert_eq!(
            check(
                "srv {}\nlst { Lisen \":1\" {} peer \"1.2.3.4\" { bogus {} } }\nListen \":2\" {}"
            ),
            vec![
                "t.conf:2:7: 'Lisen' is not a valid scope name in scope 'lst'; did you mean 'listen'?",
                "t.conf:2:38: 'bogus' is not a valid scope name in scope 'peer'",
                "t.conf:3:1: 'Listen' is not a valid scope name in scope 'Global'; it is valid in: lst",
            ]
        );
    }

    #[test]
    fn instance_rules() {
        assert_eq!(
            check("srv {}\nlst \"x\" { Listen {} }\ndomain {}"),
            vec![
                "t.conf:2:1: 'lst' does not take an instance name (got 'x')",
                "t.conf:2:11: 'Listen' needs an instance name: Listen \"NAME\" { ... }",
                "t.conf:3:1: 'domain' needs an instance name: domain \"NAME\" { ... }",
            ]
        );
    }
}
