//! The spanned syntax tree the parser produces and everything downstream reads.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::diag::Location;

/// An option, scope or dictionary key name: keeps the spelling from the file, compares
/// ASCII case-insensitively.
#[derive(Debug, Clone)]
pub struct Name(String);

impl Name {
    /// Wraps a name as written.
    pub fn new(text: impl Into<String>) -> Self {
        Name(text.into())
    }

    /// The original spelling.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison with a plain string.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }

    /// The ASCII-lowercased form used as a lookup key.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.eq_ignore_case(&other.0)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name::new(s)
    }
}

/// A value as written: a scalar, an array `( … )` or a dictionary `[ … ]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A bare word or a quoted string.
    Scalar {
        /// The text, with quotes removed and `\"` / `\\` unescaped.
        text: String,
        /// Whether it was written in double quotes.
        quoted: bool,
    },
    /// `( v v v )`.
    Array(Vec<ValueNode>),
    /// `[ k = v k2 = v2 ]`, in file order.
    Dict(Vec<(Name, ValueNode)>),
}

impl Value {
    /// The text of a scalar, `None` for arrays and dictionaries.
    pub fn as_scalar(&self) -> Option<&str> {
        match self {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// How the value is named in "got …" messages: `'ten'`, `an array`, `a dictionary`.
    pub fn describe(&self) -> String {
        match self {
            Value::Scalar { text, .. } => format!("'{text}'"),
            Value::Array(_) => "an array".to_string(),
            Value::Dict(_) => "a dictionary".to_string(),
        }
    }
}

/// A value with the location where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueNode {
    /// The value.
    pub value: Value,
    /// Where it starts.
    pub location: Location,
}

/// `name [=] value`.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionNode {
    /// The option name as written.
    pub name: Name,
    /// Its value.
    pub value: ValueNode,
    /// Where the name is.
    pub location: Location,
    /// True when it came from a `readonly_include`.
    pub readonly: bool,
}

/// `Kind [instance] [=] { … }`; the root is a scope of kind `global`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeNode {
    /// The scope kind (`xmpp_listener`, `Listen`, a module name, …).
    pub kind: Name,
    /// The instance name (`"*:5222"`, a domain, …), `None` for anonymous scopes.
    pub instance: Option<String>,
    /// Where the kind name is (of the first stanza when repeats were merged).
    pub location: Location,
    /// Options in file order; on lookup the last one of a name wins.
    pub options: Vec<OptionNode>,
    /// Child scopes in file order, repeats merged.
    pub children: Vec<ScopeNode>,
    /// True when every stanza of this scope came from a `readonly_include`.
    pub readonly: bool,
}

impl ScopeNode {
    /// An empty scope.
    pub fn new(kind: Name, instance: Option<String>, location: Location, readonly: bool) -> Self {
        ScopeNode {
            kind,
            instance,
            location,
            options: Vec::new(),
            children: Vec::new(),
            readonly,
        }
    }

    /// The value set here for `name` (case-insensitive); the last one wins.
    pub fn get(&self, name: &str) -> Option<&ValueNode> {
        self.options
            .iter()
            .rev()
            .find(|o| o.name.eq_ignore_case(name))
            .map(|o| &o.value)
    }

    /// True when this scope is `kind` (case-insensitive) with exactly this instance.
    pub fn is(&self, kind: &str, instance: Option<&str>) -> bool {
        self.kind.eq_ignore_case(kind) && self.instance.as_deref() == instance
    }

    /// The child `kind [instance]`, if present.
    pub fn child(&self, kind: &str, instance: Option<&str>) -> Option<&ScopeNode> {
        self.children.iter().find(|c| c.is(kind, instance))
    }

    /// Children of one kind (case-insensitive), in file order.
    pub fn children_of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a ScopeNode> {
        self.children
            .iter()
            .filter(move |c| c.kind.eq_ignore_case(kind))
    }

    /// Adds a child scope, merging it into an earlier stanza with the same kind and instance.
    pub fn add_child(&mut self, child: ScopeNode) {
        let existing = self
            .children
            .iter_mut()
            .find(|c| c.is(child.kind.as_str(), child.instance.as_deref()));
        match existing {
            Some(first) => first.merge(child),
            None => self.children.push(child),
        }
    }

    fn merge(&mut self, other: ScopeNode) {
        self.readonly &= other.readonly;
        self.options.extend(other.options);
        for child in other.children {
            self.add_child(child);
        }
    }

    /// `Kind "instance"` or `Kind`, for messages and dumps.
    pub fn label(&self) -> String {
        match &self.instance {
            Some(inst) => format!("{} {}", self.kind, crate::print::quote(inst)),
            None => self.kind.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn loc(line: u32) -> Location {
        Location::new("t.conf".into(), line, 1)
    }

    fn opt(name: &str, v: &str, line: u32) -> OptionNode {
        OptionNode {
            name: name.into(),
            value: ValueNode {
                value: Value::Scalar {
                    text: v.into(),
                    quoted: false,
                },
                location: loc(line),
            },
            location: loc(line),
            readonly: false,
        }
    }

    #[test]
    fn names_compare_and_hash_case_insensitively_but_keep_spelling() {
        let a = Name::new("XMPP_Listener");
        assert_eq!(a, Name::new("xmpp_listener"));
        assert!(a.eq_ignore_case("Xmpp_LISTENER"));
        assert_eq!(a.to_string(), "XMPP_Listener");
        assert_eq!(a.key(), "xmpp_listener");
        let set: HashSet<Name> = [a, Name::new("xmpp_LISTENER")].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn later_option_wins_on_lookup() {
        let mut s = ScopeNode::new("x".into(), None, loc(1), false);
        s.options.push(opt("Idle_Time", "1", 2));
        s.options.push(opt("idle_time", "2", 3));
        assert_eq!(
            s.get("IDLE_TIME").and_then(|v| v.value.as_scalar()),
            Some("2")
        );
        assert!(s.get("other").is_none());
    }

    #[test]
    fn repeated_stanzas_merge_recursively() {
        let mut root = ScopeNode::new("global".into(), None, loc(1), false);
        let mut a = ScopeNode::new("Listener".into(), None, loc(2), false);
        a.options.push(opt("a", "1", 3));
        a.add_child(ScopeNode::new(
            "Listen".into(),
            Some(":1".into()),
            loc(4),
            false,
        ));
        let mut b = ScopeNode::new("listener".into(), None, loc(9), true);
        b.options.push(opt("a", "2", 10));
        let mut l = ScopeNode::new("LISTEN".into(), Some(":1".into()), loc(11), true);
        l.options.push(opt("b", "x", 12));
        b.add_child(l);
        b.add_child(ScopeNode::new(
            "Listen".into(),
            Some(":2".into()),
            loc(13),
            true,
        ));
        root.add_child(a);
        root.add_child(b);
        assert_eq!(root.children.len(), 1);
        let m = &root.children[0];
        assert_eq!(m.location.line, 2);
        assert!(!m.readonly);
        assert_eq!(m.options.len(), 2);
        assert_eq!(m.get("a").and_then(|v| v.value.as_scalar()), Some("2"));
        assert_eq!(m.children.len(), 2);
        let l1 = m.child("listen", Some(":1")).expect("merged listen");
        assert_eq!(l1.get("b").and_then(|v| v.value.as_scalar()), Some("x"));
        assert_eq!(m.children_of_kind("Listen").count(), 2);
    }

    #[test]
    fn different_instances_do_not_merge() {
        let mut root = ScopeNode::new("global".into(), None, loc(1), false);
        root.add_child(ScopeNode::new(
            "Domain".into(),
            Some("a".into()),
            loc(2),
            false,
        ));
        root.add_child(ScopeNode::new(
            "Domain".into(),
            Some("A".into()),
            loc(3),
            false,
        ));
        root.add_child(ScopeNode::new("Domain".into(), None, loc(4), false));
        assert_eq!(root.children.len(), 3);
        assert_eq!(root.children[0].label(), "Domain \"a\"");
        assert_eq!(root.children[2].label(), "Domain");
    }

    #[test]
    fn describe_values() {
        let s = Value::Scalar {
            text: "ten".into(),
            quoted: false,
        };
        assert_eq!(s.describe(), "'ten'");
        assert_eq!(Value::Array(vec![]).describe(), "an array");
        assert_eq!(Value::Dict(vec![]).describe(), "a dictionary");
        assert_eq!(Value::Array(vec![]).as_scalar(), None);
    }
}
