//! The schema: which modules, scopes and options exist, their types, defaults and places.

use crate::ast::ValueNode;
use crate::diag::Diagnostic;
use crate::parse::parse_value;
use crate::types::ValueType;

/// The root scope's name in option and scope tables.
pub const GLOBAL: &str = "global";

/// One option: name, type, default (in config syntax), where it may appear, and its doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The option name (lowercase; matched case-insensitively).
    pub name: &'static str,
    /// Its type.
    pub ty: ValueType,
    /// The default, written in config syntax (`"0"`, `"( a b )"`); `None` = no default.
    pub default: Option<&'static str>,
    /// Scope kinds where it may be set (`global`, `domain`, `listen`, a module name, …).
    pub scopes: &'static [&'static str],
    /// True when a `config reload` applies a change without restarting.
    pub dynamic: bool,
    /// User documentation.
    pub doc: &'static str,
}

impl OptionSpec {
    /// Parses the default value, if there is one.
    pub fn default_value(&self) -> Option<Result<ValueNode, Diagnostic>> {
        let text = self.default?;
        Some(parse_value(text, &format!("<default of {}>", self.name)))
    }

    fn valid_in(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.eq_ignore_ascii_case(scope))
    }
}

/// Whether a scope takes an instance name (`Listen "*:5222"`) or not (`xmpp_listener`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceRule {
    /// An instance name must be given.
    Required,
    /// No instance name may be given.
    Forbidden,
    /// Either form is fine.
    Optional,
}

/// A scope kind a module (or the core) provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeSpec {
    /// The scope kind (lowercase; matched case-insensitively).
    pub name: &'static str,
    /// Scope kinds it may appear in (`global` for the top level, or a module name).
    pub parents: &'static [&'static str],
    /// Instance-name rule.
    pub instance: InstanceRule,
    /// A module whose stanza must appear before this scope in the file.
    pub provided_by: Option<&'static str>,
    /// User documentation.
    pub doc: &'static str,
}

/// Everything one module (or the core) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleDecl {
    /// The module name, which is also its stanza kind (`xmpp {}`).
    pub name: &'static str,
    /// Singletons take no instance name; others take one (default: the module name).
    pub singleton: bool,
    /// Modules whose stanzas must appear before this one.
    pub depends: &'static [&'static str],
    /// Scope kinds it provides.
    pub scopes: &'static [ScopeSpec],
    /// Options it declares (its own stanza's options use the module name as scope).
    pub options: &'static [OptionSpec],
    /// User documentation.
    pub doc: &'static str,
}

/// Options every module stanza accepts in its own scope.
pub static MODULE_OPTIONS: [OptionSpec; 2] = [
    OptionSpec {
        name: "enabled",
        ty: ValueType::Bool,
        default: Some("true"),
        scopes: &[],
        dynamic: false,
        doc: "Set to false to keep the stanza but not load the module.",
    },
    OptionSpec {
        name: "debug_level",
        ty: ValueType::DebugLevel,
        default: Some("ERROR"),
        scopes: &[],
        dynamic: true,
        doc: "Least severe message the module logs.",
    },
];

/// The set of declarations a configuration is validated against.
///
/// Declarations are held by value; a module loaded at run time adds its own with
/// [`Schema::add_module`] (its `&'static` tables live as long as the loaded library).
#[derive(Debug, Clone, Default)]
pub struct Schema {
    core: Vec<ModuleDecl>,
    modules: Vec<ModuleDecl>,
}

impl Schema {
    /// A schema from core declarations (scopes and options, no stanza) and module declarations.
    pub fn new(core: &[&ModuleDecl], modules: &[&ModuleDecl]) -> Self {
        Schema {
            core: core.iter().map(|d| **d).collect(),
            modules: modules.iter().map(|d| **d).collect(),
        }
    }

    /// Adds core declarations (options and scopes that are not a module stanza).
    pub fn add_core(&mut self, decl: ModuleDecl) {
        self.core.push(decl);
    }

    /// Adds a module (e.g. one loaded from a shared object at run time).
    pub fn add_module(&mut self, decl: ModuleDecl) {
        self.modules.push(decl);
    }

    /// The modules, in the order they were added.
    pub fn modules(&self) -> &[ModuleDecl] {
        &self.modules
    }

    /// The module called `name` (case-insensitive).
    pub fn module(&self, name: &str) -> Option<&ModuleDecl> {
        self.modules
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    fn decls(&self) -> impl Iterator<Item = &ModuleDecl> {
        self.core.iter().chain(&self.modules)
    }

    /// Every declared option spec, then the implicit module options.
    pub fn options(&self) -> impl Iterator<Item = &OptionSpec> {
        self.decls().flat_map(|d| d.options).chain(&MODULE_OPTIONS)
    }

    /// True when some declaration has an option called `name`.
    pub fn is_option(&self, name: &str) -> bool {
        self.options().any(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// The spec of option `name` valid in scope kind `scope`.
    pub fn option_in(&self, name: &str, scope: &str) -> Option<&OptionSpec> {
        let declared = self.decls().flat_map(|d| d.options);
        let mut found = declared.filter(|o| o.name.eq_ignore_ascii_case(name) && o.valid_in(scope));
        found.next().or_else(|| {
            self.module(scope).and_then(|_| {
                MODULE_OPTIONS
                    .iter()
                    .find(|o| o.name.eq_ignore_ascii_case(name))
            })
        })
    }

    /// Every option valid in scope kind `scope`, sorted by name, one spec per name.
    pub fn options_in(&self, scope: &str) -> Vec<&OptionSpec> {
        let mut out: Vec<&OptionSpec> = Vec::new();
        for o in self.options() {
            if !out.iter().any(|x| x.name.eq_ignore_ascii_case(o.name))
                && self
                    .option_in(o.name, scope)
                    .is_some_and(|s| std::ptr::eq(s, o))
            {
                out.push(o);
            }
        }
        out.sort_by_key(|o| o.name.to_ascii_lowercase());
        out
    }

    /// Scope kinds where option `name` is valid, lowercase, sorted, without repeats.
    pub fn option_scopes(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.options().filter(|o| o.name.eq_ignore_ascii_case(name)) {
            out.extend(o.scopes.iter().map(|s| s.to_ascii_lowercase()));
        }
        if MODULE_OPTIONS
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(name))
        {
            out.extend(self.modules.iter().map(|m| m.name.to_ascii_lowercase()));
        }
        out.sort();
        out.dedup();
        out
    }

    /// The spec of scope kind `name` when it appears inside scope kind `parent`.
    pub fn child_scope(&self, parent: &str, name: &str) -> Option<&ScopeSpec> {
        self.scopes().find(|s| {
            s.name.eq_ignore_ascii_case(name)
                && s.parents.iter().any(|p| p.eq_ignore_ascii_case(parent))
        })
    }

    /// Every scope spec, core first.
    pub fn scopes(&self) -> impl Iterator<Item = &ScopeSpec> {
        self.decls().flat_map(|d| d.scopes)
    }

    /// Checks that every default parses and has its option's type.
    pub fn check_defaults(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for decl in self.decls() {
            for o in decl.options {
                let bad = match o.default_value() {
                    None => None,
                    Some(Err(d)) => Some(d.message),
                    Some(Ok(v)) => o.ty.check(&v).err(),
                };
                if let Some(m) = bad {
                    out.push(Diagnostic::error(
                        None,
                        format!("invalid default for '{}' in '{}': {m}", o.name, decl.name),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[OptionSpec] = &[
        OptionSpec {
            name: "idle_time",
            ty: ValueType::Seconds,
            default: Some("0"),
            scopes: &["xmpp_listener", "listen", "peer"],
            dynamic: true,
            doc: "Idle.",
        },
        OptionSpec {
            name: "tls_ciphers",
            ty: ValueType::Optional(&ValueType::String),
            default: None,
            scopes: &["global", "listen"],
            dynamic: false,
            doc: "Ciphers.",
        },
        OptionSpec {
            name: "broken",
            ty: ValueType::Uint,
            default: Some("ten"),
            scopes: &["xmpp"],
            dynamic: false,
            doc: "Bad default.",
        },
        OptionSpec {
            name: "unparsable",
            ty: ValueType::Uint,
            default: Some("( 1"),
            scopes: &["xmpp"],
            dynamic: false,
            doc: "Bad syntax.",
        },
    ];

    const XMPP: ModuleDecl = ModuleDecl {
        name: "xmpp",
        singleton: true,
        depends: &[],
        scopes: &[ScopeSpec {
            name: "xmpp_listener",
            parents: &[GLOBAL],
            instance: InstanceRule::Forbidden,
            provided_by: Some("xmpp"),
            doc: "Listener.",
        }],
        options: OPTS,
        doc: "XMPP.",
    };

    #[test]
    fn option_lookup_by_scope_is_case_insensitive() {
        let s = Schema::new(&[], &[&XMPP]);
        assert_eq!(
            s.option_in("IDLE_TIME", "Listen").map(|o| o.name),
            Some("idle_time")
        );
        assert!(s.option_in("idle_time", "global").is_none());
        assert_eq!(
            s.option_in("enabled", "XMPP").map(|o| o.ty),
            Some(ValueType::Bool)
        );
        assert!(s.option_in("enabled", "listen").is_none());
        assert!(s.is_option("Tls_Ciphers"));
        assert!(!s.is_option("nope"));
        assert_eq!(
            s.option_scopes("idle_time"),
            vec!["listen", "peer", "xmpp_listener"]
        );
        assert_eq!(s.option_scopes("debug_level"), vec!["xmpp"]);
    }

    #[test]
    fn options_in_a_scope_are_sorted() {
        let s = Schema::new(&[], &[&XMPP]);
        let names: Vec<&str> = s.options_in("xmpp").iter().map(|o| o.name).collect();
        assert_eq!(
            names,
            vec!["broken", "debug_level", "enabled", "unparsable"]
        );
        let names: Vec<&str> = s.options_in("listen").iter().map(|o| o.name).collect();
        assert_eq!(names, vec!["idle_time", "tls_ciphers"]);
    }

    #[test]
    fn scopes_and_modules() {
        let mut s = Schema::default();
        assert!(s.module("xmpp").is_none());
        s.add_module(XMPP);
        assert_eq!(s.module("XMPP").map(|m| m.singleton), Some(true));
        assert_eq!(s.modules().len(), 1);
        assert!(s.child_scope("Global", "XMPP_Listener").is_some());
        assert!(s.child_scope("xmpp", "xmpp_listener").is_none());
        assert_eq!(s.scopes().count(), 1);
    }

    #[test]
    fn check_defaults_reports_each_bad_default() {
        let s = Schema::new(&[], &[&XMPP]);
        let d: Vec<String> = s.check_defaults().iter().map(ToString::to_string).collect();
        assert_eq!(
            d,
            vec![
                "invalid default for 'broken' in 'xmpp': expected a non-negative integer, got 'ten'",
                "invalid default for 'unparsable' in 'xmpp': expected a value or ')' to close the array opened at 1:1, got end of file",
            ]
        );
        let mut core = Schema::default();
        core.add_core(ModuleDecl {
            options: &OPTS[..2],
            ..XMPP
        });
        assert!(core.check_defaults().is_empty());
        assert!(MODULE_OPTIONS.iter().all(|o| {
            o.default_value()
                .is_some_and(|v| v.is_ok_and(|v| o.ty.check(&v).is_ok()))
        }));
    }
}
