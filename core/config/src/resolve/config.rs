//! `Config`: a validated tree plus its schema, with the lookups the runtime needs.

use std::sync::Arc;

use crate::ast::ScopeNode;
use crate::resolve::Resolved;
use crate::resolve::listener::ListenerView;
use crate::schema::Schema;

/// A validated configuration: the merged tree and the schema it was checked against.
#[derive(Debug, Clone)]
pub struct Config {
    root: ScopeNode,
    schema: Arc<Schema>,
}

/// A module stanza at the top level.
#[derive(Debug, Clone, Copy)]
pub struct ModuleStanza<'a> {
    /// The module name as declared.
    pub name: &'static str,
    /// `None` for singletons; for other modules the instance name, or the module name when
    /// the stanza has none.
    pub instance: Option<&'a str>,
    /// The stanza.
    pub node: &'a ScopeNode,
}

impl Config {
    /// Wraps a tree and schema (normally done by `validate`).
    pub fn new(root: ScopeNode, schema: Arc<Schema>) -> Self {
        Config { root, schema }
    }

    /// The root (`global`) scope.
    pub fn root(&self) -> &ScopeNode {
        &self.root
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The schema, shared.
    pub fn schema_arc(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// Top-level scopes of one kind (case-insensitive), in file order.
    pub fn scopes<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a ScopeNode> {
        self.root.children_of_kind(kind)
    }

    /// The module stanzas, in file order.
    pub fn modules(&self) -> Vec<ModuleStanza<'_>> {
        self.root
            .children
            .iter()
            .filter_map(|node| {
                let decl = self.schema.module(node.kind.as_str())?;
                let instance =
                    (!decl.singleton).then(|| node.instance.as_deref().unwrap_or(decl.name));
                Some(ModuleStanza {
                    name: decl.name,
                    instance,
                    node,
                })
            })
            .collect()
    }

    /// Global options: global → default.
    pub fn global(&self) -> Resolved<'_> {
        Resolved::new(vec![&self.root], &self.schema)
    }

    /// A module's options: module stanza → global → default.
    pub fn module<'a>(&'a self, node: &'a ScopeNode) -> Resolved<'a> {
        Resolved::new(vec![node, &self.root], &self.schema)
    }

    /// A listener scope (`xmpp_listener`, …) and its `Listen` / `Peer` children.
    pub fn listener<'a>(&'a self, node: &'a ScopeNode) -> ListenerView<'a> {
        ListenerView::new(self, node)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{schema, tree};
    use crate::types::Seconds;
    use crate::validate;

    #[test]
    fn modules_scopes_and_module_chain() {
        let (c, d) = validate(
            tree(
                "srv { debug_level DEBUG }\nlg {}\nlg \"b\" { enabled = false }\nlst { idle_time 3 }\nflag = yes",
            ),
            &schema(),
        );
        assert!(d.is_empty(), "{d:?}");
        let mods: Vec<(&str, Option<&str>)> =
            c.modules().iter().map(|m| (m.name, m.instance)).collect();
        assert_eq!(
            mods,
            vec![("srv", None), ("lg", Some("lg")), ("lg", Some("b"))]
        );
        let b = c.modules()[2].node;
        assert_eq!(c.module(b).get::<bool>("enabled"), Ok(false));
        assert_eq!(
            c.module(b).get::<bool>("flag"),
            Ok(true),
            "falls back to global"
        );
        assert_eq!(c.global().get::<bool>("flag"), Ok(true));
        assert_eq!(c.scopes("LST").count(), 1);
        assert_eq!(c.scopes("lg").count(), 2);
        let lst = c.scopes("lst").next().expect("lst");
        assert_eq!(c.listener(lst).node().kind.as_str(), "lst");
        assert_eq!(
            c.listener(lst)
                .resolve_listener()
                .get::<Seconds>("idle_time"),
            Ok(Seconds(3))
        );
        assert_eq!(c.root().kind.as_str(), "global");
        assert!(c.schema_arc().module("lg").is_some());
        assert!(c.schema().module("srv").is_some());
    }

    #[test]
    fn config_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<crate::Config>();
    }
}
