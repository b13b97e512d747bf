//! The owned element tree stanzas are parsed into, with builder and accessor helpers.

/// An XML element with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (without prefix).
    pub name: String,
    /// Resolved namespace URI (empty when the element is in no namespace).
    pub ns: String,
    /// Attributes in document order. Prefixed ones keep the qualified name as written
    /// (`xml:lang`, and `xmlns:foo` prefix declarations); values are unescaped.
    /// Default namespace declarations (`xmlns`) are not stored: they are expressed by `ns`.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order. Adjacent text is merged into one node.
    pub children: Vec<Node>,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (entities and CDATA already decoded).
    Text(String),
}

impl Element {
    /// Creates an empty element `name` in namespace `ns`.
    pub fn new(name: &str, ns: &str) -> Self {
        Element {
            name: name.to_owned(),
            ns: ns.to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Builder: sets attribute `k` to `v` (replacing an existing value).
    pub fn with_attr(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.set_attr(k, v);
        self
    }

    /// Builder: appends a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.push_child(child);
        self
    }

    /// Builder: appends text (merged into a preceding text node if there is one).
    pub fn with_text(mut self, text: &str) -> Self {
        self.push_text(text);
        self
    }

    /// The value of attribute `k` (qualified name as stored), if present.
    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// Sets attribute `k` to `v`, replacing the value in place if it exists, else appending.
    pub fn set_attr(&mut self, k: impl Into<String>, v: impl Into<String>) {
        let (k, v) = (k.into(), v.into());
        match self.attrs.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => self.attrs.push((k, v)),
        }
    }

    /// Removes attribute `k`, returning its value.
    pub fn remove_attr(&mut self, k: &str) -> Option<String> {
        let idx = self.attrs.iter().position(|(key, _)| key == k)?;
        Some(self.attrs.remove(idx).1)
    }

    /// The first child element with local name `name` in namespace `ns`.
    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(name, ns))
    }

    /// Mutable access to the first child element `name` in namespace `ns`.
    pub fn child_mut(&mut self, name: &str, ns: &str) -> Option<&mut Element> {
        self.children.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.is(name, ns) => Some(e),
            _ => None,
        })
    }

    /// Iterates over the child elements (text nodes skipped).
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The concatenation of the direct text children.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// Appends a child element.
    pub fn push_child(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Appends text, merging it into the last child if that is a text node. Empty text is ignored.
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => self.children.push(Node::Text(text.to_owned())),
        }
    }

    /// True if this element has local name `name` and namespace `ns`.
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "jabber:client";

    #[test]
    fn builder_and_accessors() {
        let mut m = Element::new("message", NS)
            .with_attr("to", "a@b")
            .with_attr("type", "chat")
            .with_child(Element::new("body", NS).with_text("hi"))
            .with_child(Element::new("x", "urn:x"));
        assert_eq!(m.attr("to"), Some("a@b"));
        assert_eq!(m.attr("from"), None);
        m.set_attr("to", "c@d");
        assert_eq!(m.attrs[0], ("to".into(), "c@d".into()));
        assert_eq!(m.remove_attr("type"), Some("chat".into()));
        assert_eq!(m.remove_attr("type"), None);
        assert_eq!(m.child("body", NS).map(Element::text), Some("hi".into()));
        assert!(m.child("body", "urn:other").is_none());
        assert!(m.child("x", "urn:x").is_some_and(|x| x.is("x", "urn:x")));
        if let Some(b) = m.child_mut("body", NS) {
            b.push_text(" there");
        }
        assert_eq!(
            m.child("body", NS).map(Element::text),
            Some("hi there".into())
        );
        assert_eq!(m.elements().count(), 2);
    }

    #[test]
    fn text_merges_and_concatenates() {
        let mut e = Element::new("a", "")
            .with_text("x")
            .with_text("y")
            .with_text("");
        assert_eq!(e.children, vec![Node::Text("xy".into())]);
        e.push_child(Element::new("b", ""));
        e.push_text("z");
        assert_eq!(e.children.len(), 3);
        assert_eq!(e.text(), "xyz");
    }
}
