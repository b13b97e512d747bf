//! Fallback resolution: a chain of scopes, most specific first, ending at the spec default.

mod config;
mod domain;
mod dump;
mod listener;

pub use config::{Config, ModuleStanza};
pub use domain::{XMPP_PREFIX, display_name};
pub use listener::{ListenView, ListenerView};

use crate::ast::{ScopeNode, ValueNode};
use crate::diag::Diagnostic;
use crate::schema::{OptionSpec, Schema};
use crate::types::FromValue;

/// An ordered chain of scopes (most specific first) plus the schema for defaults.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    chain: Vec<&'a ScopeNode>,
    schema: &'a Schema,
}

impl<'a> Resolved<'a> {
    /// A chain over `chain`; the first node's kind picks which spec gives defaults.
    pub fn new(chain: Vec<&'a ScopeNode>, schema: &'a Schema) -> Self {
        Resolved { chain, schema }
    }

    /// The scopes consulted, most specific first.
    pub fn chain(&self) -> &[&'a ScopeNode] {
        &self.chain
    }

    /// The first scope in the chain that sets `name`, with its value (later value in a
    /// scope wins).
    pub fn find(&self, name: &str) -> Option<(&'a ScopeNode, &'a ValueNode)> {
        self.chain
            .iter()
            .find_map(|node| node.get(name).map(|v| (*node, v)))
    }

    /// The value of `name` from the first scope that sets it, without defaults.
    pub fn get_raw(&self, name: &str) -> Option<&'a ValueNode> {
        self.find(name).map(|(_, v)| v)
    }

    /// The spec for `name`: the one valid in the most specific scope, else any.
    pub fn spec(&self, name: &str) -> Option<&'a OptionSpec> {
        let schema = self.schema;
        self.chain
            .first()
            .and_then(|n| schema.option_in(name, n.kind.as_str()))
            .or_else(|| schema.options().find(|o| o.name.eq_ignore_ascii_case(name)))
    }

    /// The typed value of `name`: set in the chain, else the spec default, else
    /// `T::absent()` (e.g. `None` for `Option<T>`), else a "missing required option" error.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T, Diagnostic> {
        if let Some(v) = self.get_raw(name) {
            return T::from_value(v).map_err(|m| {
                Diagnostic::error(
                    v.location.clone(),
                    format!("invalid value for '{name}': {m}"),
                )
            });
        }
        match self.spec(name).and_then(OptionSpec::default_value) {
            Some(Ok(v)) => T::from_value(&v)
                .map_err(|m| Diagnostic::error(None, format!("invalid default for '{name}': {m}"))),
            Some(Err(d)) => Err(d),
            None => T::absent().ok_or_else(|| {
                let here = self.chain.first();
                Diagnostic::error(
                    here.map(|n| n.location.clone()),
                    format!(
                        "missing required option '{name}' in scope '{}'",
                        here.map(|n| n.label()).unwrap_or_default()
                    ),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Resolved;
    use crate::testkit::{Opts, schema, tree};
    use crate::types::Seconds;

    #[test]
    fn first_setter_wins_then_default_then_absent() {
        let s = schema();
        let t = tree(
            "flag on\nlst { idle_time 7 idle_time 8 }\ndomain x { secret = \"s\" }\nlg { needed = yes }",
        );
        let lst = &t.children[0];
        let r = Resolved::new(vec![lst, &t], &s);
        assert_eq!(r.chain().len(), 2);
        assert_eq!(r.get::<Seconds>("IDLE_TIME"), Ok(Seconds(8)));
        assert_eq!(
            r.get_raw("flag").and_then(|v| v.value.as_scalar()),
            Some("on")
        );
        assert!(std::ptr::eq(
            r.find("flag").map(|(n, _)| n).expect("set"),
            &t
        ));
        assert_eq!(r.get::<u32>("listen_backlog"), Ok(500));
        assert_eq!(r.get::<Option<String>>("secret"), Ok(None));
        assert_eq!(r.get::<Option<String>>("undeclared"), Ok(None));
        let o =
            Opts::read(&Resolved::new(vec![&t.children[2], &t.children[1], &t], &s)).expect("read");
        assert_eq!(
            (o.idle_time, o.listen_backlog, o.flag),
            (Seconds(0), 500, true)
        );
        assert_eq!((o.secret.as_deref(), o.needed.as_str()), (Some("s"), "yes"));
    }

    #[test]
    fn missing_required_option_names_the_scope() {
        let s = schema();
        let t = tree("lg \"a\" {}");
        let r = Resolved::new(vec![&t.children[0], &t], &s);
        assert_eq!(
            r.get::<String>("needed").map_err(|d| d.to_string()),
            Err("t.conf:1:1: missing required option 'needed' in scope 'lg \"a\"'".into())
        );
        assert!(Opts::read(&r).is_err());
    }

    #[test]
    fn spec_prefers_the_one_valid_in_the_first_scope() {
        let s = schema();
        let t = tree("lst {}");
        let r = Resolved::new(vec![&t.children[0]], &s);
        assert_eq!(r.spec("idle_time").map(|o| o.default), Some(Some("0")));
        assert_eq!(r.spec("flag").map(|o| o.name), Some("flag"));
        assert!(r.spec("nothing").is_none());
    }
}
