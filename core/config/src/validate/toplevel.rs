//! Top-level checks: module stanzas, module order (`provided_by`, `depends`) and unknown stanzas.

use crate::ast::ScopeNode;
use crate::diag::Diagnostic;
use crate::schema::{GLOBAL, ModuleDecl, Schema};
use crate::validate::Validator;
use crate::validate::suggest::{closest, did_you_mean};

impl Validator<'_> {
    /// Checks a module stanza: singleton instance rule and that its dependencies come first.
    pub(super) fn module_stanza(
        &mut self,
        module: &ModuleDecl,
        node: &ScopeNode,
        before: &[ScopeNode],
    ) {
        if module.singleton
            && let Some(inst) = &node.instance
        {
            self.diags.push(Diagnostic::error(
                node.location.clone(),
                format!(
                    "module '{}' is a singleton and does not take an instance name (got '{inst}')",
                    node.kind
                ),
            ));
        }
        for dep in module.depends {
            self.require_before(node, dep, before);
        }
    }

    /// Reports `node` unless a stanza of module `provider` appears in `before`.
    pub(super) fn require_before(
        &mut self,
        node: &ScopeNode,
        provider: &str,
        before: &[ScopeNode],
    ) {
        if !before.iter().any(|c| c.kind.eq_ignore_case(provider)) {
            self.diags.push(Diagnostic::error(
                node.location.clone(),
                format!(
                    "You cannot add the {} before adding the {provider} module",
                    node.kind
                ),
            ));
        }
    }
}

/// The message for an unknown top-level stanza: a near-miss module, a near-miss scope, or the
/// list of known modules.
pub(super) fn unknown_stanza(schema: &Schema, kind: &str) -> String {
    let mut modules: Vec<&str> = schema.modules().iter().map(|m| m.name).collect();
    modules.sort_unstable();
    let known = modules.join(", ");
    let scopes: Vec<&str> = schema
        .scopes()
        .filter(|s| s.parents.iter().any(|p| p.eq_ignore_ascii_case(GLOBAL)))
        .map(|s| s.name)
        .collect();
    match closest(kind, modules.iter().copied().chain(scopes)) {
        Some(m) if modules.contains(&m) => {
            format!("unknown module '{kind}'; did you mean '{m}'? known modules: {known}")
        }
        Some(scope) => format!(
            "'{kind}' is not a valid scope name in scope 'Global'{}",
            did_you_mean(Some(scope))
        ),
        None => {
            format!("'{kind}' is not a valid scope name in scope 'Global'; known modules: {known}")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check;

    #[test]
    fn provider_and_dependency_order() {
        assert_eq!(
            check("lst {}\nlg \"a\" {}\nsrv {}\nlg \"b\" {}"),
            vec![
                "t.conf:1:1: You cannot add the lst before adding the srv module",
                "t.conf:2:1: You cannot add the lg before adding the srv module",
            ]
        );
    }

    #[test]
    fn singleton_modules_take_no_instance() {
        assert_eq!(
            check("srv \"one\" {}\nlg {}\nlg \"two\" {}"),
            vec![
                "t.conf:1:1: module 'srv' is a singleton and does not take an instance name (got 'one')"
            ]
        );
    }

    #[test]
    fn unknown_stanzas_name_modules() {
        assert_eq!(
            check("sv {}\nDomian \"x\" {}\nqqqqqq {}"),
            vec![
                "t.conf:1:1: unknown module 'sv'; did you mean 'srv'? known modules: lg, srv",
                "t.conf:2:1: 'Domian' is not a valid scope name in scope 'Global'; did you mean 'domain'?",
                "t.conf:3:1: 'qqqqqq' is not a valid scope name in scope 'Global'; known modules: lg, srv",
            ]
        );
    }

    #[test]
    fn module_implicit_options() {
        assert_eq!(
            check(
                "srv { enabled = no debug_level = info }\nenabled = yes\nlg { debug_level = loud }"
            ),
            vec![
                "t.conf:2:1: 'enabled' is not valid in scope 'Global'; it is valid in: lg, srv",
                "t.conf:3:20: invalid value for 'debug_level': expected a debug level (DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL), got 'loud'",
            ]
        );
    }
}
