//! `Config::dump`: the effective configuration in config syntax, every option shown with
//! where its value comes from.

use std::fmt::Write;

use crate::ast::ScopeNode;
use crate::resolve::{Config, Resolved};
use crate::schema::GLOBAL;

impl Config {
    /// Re-prints the configuration: every scope present, and in each every option valid there
    /// (sorted by name) with its resolved value, marked `# from <scope>` when inherited along
    /// the scope's ancestors and `# default` when it is the built-in default.
    pub fn dump(&self) -> String {
        let mut out = String::from("# effective configuration\n");
        self.dump_scope(&mut out, self.root(), &[], GLOBAL, 0);
        out
    }

    fn dump_scope(
        &self,
        out: &mut String,
        node: &ScopeNode,
        ancestors: &[&ScopeNode],
        kind: &str,
        depth: usize,
    ) {
        let indent = "  ".repeat(depth);
        let chain: Vec<&ScopeNode> = std::iter::once(node)
            .chain(ancestors.iter().rev().copied())
            .collect();
        let resolved = Resolved::new(chain, self.schema());
        let mut names: Vec<String> = self
            .schema()
            .options_in(kind)
            .iter()
            .map(|o| o.name.to_ascii_lowercase())
            .chain(node.options.iter().map(|o| o.name.key()))
            .collect();
        names.sort();
        names.dedup();
        for name in &names {
            let line = match resolved.find(name) {
                Some((src, v)) if std::ptr::eq(src, node) => format!("{name} = {}", v.value),
                Some((src, v)) => format!("{name} = {}  # from {}", v.value, src.label()),
                None => match resolved.spec(name).and_then(|s| s.default_value()) {
                    Some(Ok(v)) => format!("{name} = {}  # default", v.value),
                    Some(Err(d)) => format!("# {name}: {d}"),
                    None => format!("# {name} is not set"),
                },
            };
            let _ = writeln!(out, "{indent}{line}");
        }
        let mut inner: Vec<&ScopeNode> = ancestors.to_vec();
        inner.push(node);
        for child in &node.children {
            let child_kind = self.child_kind(kind, child);
            if depth == 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "{indent}{} {{", child.label());
            self.dump_scope(out, child, &inner, &child_kind, depth + 1);
            let _ = writeln!(out, "{indent}}}");
        }
    }

    /// The schema kind of `child` inside scope kind `parent` (its own kind when unknown).
    fn child_kind(&self, parent: &str, child: &ScopeNode) -> String {
        let schema = self.schema();
        let module = parent
            .eq_ignore_ascii_case(GLOBAL)
            .then(|| schema.module(child.kind.as_str()).map(|m| m.name))
            .flatten();
        module
            .or_else(|| {
                schema
                    .child_scope(parent, child.kind.as_str())
                    .map(|s| s.name)
            })
            .map_or_else(|| child.kind.key(), str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{schema, tree};
    use crate::validate;

    #[test]
    fn dump_marks_sources() {
        let (c, d) = validate(
            tree(
                "srv {}\nlst { idle_time 9 Listen \"*:1\" { listen_backlog 4 Peer \"10.0.0.0/8\" {} } }\nmystery = 1",
            ),
            &schema(),
        );
        assert_eq!(d.len(), 1, "mystery is unknown");
        let expected = "\
# effective configuration
flag = false  # default
mystery = 1

srv {
  debug_level = ERROR  # default
  enabled = true  # default
}

lst {
  idle_time = 9
  listen_backlog = 500  # default
  Listen \"*:1\" {
    idle_time = 9  # from lst
    listen_backlog = 4
    Peer \"10.0.0.0/8\" {
      idle_time = 9  # from lst
    }
  }
}
";
        assert_eq!(c.dump(), expected);
    }

    #[test]
    fn dump_of_unknown_scopes_shows_what_is_set() {
        let (c, _) = validate(tree("odd \"x\" { a = ( 1 2 ) }\nlg { }"), &schema());
        assert_eq!(
            c.dump(),
            "# effective configuration\nflag = false  # default\n\nodd \"x\" {\n  a = ( 1 2 )\n}\n\nlg {\n  debug_level = ERROR  # default\n  enabled = true  # default\n  # needed is not set\n}\n"
        );
    }
}
