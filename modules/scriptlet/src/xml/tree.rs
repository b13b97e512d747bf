//! The mutable XML tree behind Lua's `require("xml")`: an arena of element and text nodes with
//! parent links, so Lua can hold several nodes of one document, move them and unlink them
//! (libxml2's model, which Momentum's API exposes), converted to and from [`Element`].

use impetus_xml::{Element, Limits, Node, StreamEvent, StreamReader};

/// The namespace a parsed document or a new top-level node is in when none is declared.
pub const DEFAULT_NS: &str = "jabber:client";

/// What a node is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// An element; `ns` is `None` while it inherits its parent's namespace.
    Element {
        /// Local name.
        name: String,
        /// Namespace, if set on this node.
        ns: Option<String>,
        /// Attributes in order (without `xmlns`).
        attrs: Vec<(String, String)>,
    },
    /// Character data.
    Text(String),
}

#[derive(Debug, Clone)]
struct NodeData {
    kind: Kind,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// A document: every node ever created in it, and its root element.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<NodeData>,
    /// The root element, if the document has one.
    pub root: Option<usize>,
    /// Set by every mutation, so callers know whether to write the tree back.
    pub dirty: bool,
}

impl Tree {
    /// A tree holding a copy of `element` as its root.
    pub fn from_element(element: &Element) -> Tree {
        let mut tree = Tree::default();
        let root = tree.import(element);
        tree.root = Some(root);
        tree
    }

    /// Parses one XML element (restricted XML, as on a stream; unprefixed elements without a
    /// declaration are in `jabber:client`). Whitespace-only text is dropped unless `keep_blanks`.
    pub fn parse(text: &str, keep_blanks: bool) -> Result<Tree, String> {
        let mut reader = StreamReader::new(Limits::default());
        reader.feed(
            format!(
                "<stream:stream xmlns='{DEFAULT_NS}' xmlns:stream='http://etherx.jabber.org/streams'>"
            )
            .as_bytes(),
        );
        reader.feed(text.as_bytes());
        reader.feed(b"</stream:stream>");
        let mut found = None;
        loop {
            match reader.next().map_err(|e| e.to_string())? {
                Some(StreamEvent::Header(_)) => {}
                Some(StreamEvent::Stanza(element)) if found.is_none() => found = Some(element),
                Some(StreamEvent::Stanza(_)) => return Err("more than one root element".into()),
                Some(StreamEvent::Close) | None => break,
            }
        }
        let mut element = found.ok_or("no element")?;
        if !keep_blanks {
            strip_blanks(&mut element);
        }
        Ok(Tree::from_element(&element))
    }

    /// Adds a copy of `element` (unattached) and returns its id.
    pub fn import(&mut self, element: &Element) -> usize {
        self.dirty = true;
        let id = self.push(Kind::Element {
            name: element.name.clone(),
            ns: Some(element.ns.clone()),
            attrs: element.attrs.clone(),
        });
        for child in &element.children {
            let child_id = match child {
                Node::Element(e) => self.import(e),
                Node::Text(t) => self.push(Kind::Text(t.clone())),
            };
            self.attach(id, child_id);
        }
        id
    }

    /// A new, unattached element `name` that inherits the namespace of wherever it is added.
    pub fn new_element(&mut self, name: &str) -> usize {
        self.dirty = true;
        self.push(Kind::Element {
            name: name.to_owned(),
            ns: None,
            attrs: Vec::new(),
        })
    }

    /// A new, unattached text node.
    pub fn new_text(&mut self, text: &str) -> usize {
        self.dirty = true;
        self.push(Kind::Text(text.to_owned()))
    }

    fn push(&mut self, kind: Kind) -> usize {
        self.nodes.push(NodeData {
            kind,
            parent: None,
            children: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// What node `id` is.
    pub fn kind(&self, id: usize) -> Option<&Kind> {
        self.nodes.get(id).map(|n| &n.kind)
    }

    /// The parent of `id`.
    pub fn parent(&self, id: usize) -> Option<usize> {
        self.nodes.get(id).and_then(|n| n.parent)
    }

    /// The children of `id`, text nodes included.
    pub fn children(&self, id: usize) -> &[usize] {
        self.nodes.get(id).map_or(&[], |n| n.children.as_slice())
    }

    /// Whether `ancestor` is `id` or one of its ancestors.
    fn is_ancestor(&self, ancestor: usize, mut id: usize) -> bool {
        loop {
            if id == ancestor {
                return true;
            }
            match self.parent(id) {
                Some(parent) => id = parent,
                None => return false,
            }
        }
    }

    /// Appends `child` to `parent`, detaching it from its old place first. Refuses cycles.
    pub fn attach(&mut self, parent: usize, child: usize) -> bool {
        if parent >= self.nodes.len()
            || child >= self.nodes.len()
            || self.is_ancestor(child, parent)
        {
            return false;
        }
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
        self.dirty = true;
        true
    }

    /// Detaches `id` from its parent (it stays valid, unattached). The root stays the root.
    pub fn unlink(&mut self, id: usize) {
        if let Some(parent) = self.parent(id) {
            self.nodes[parent].children.retain(|&c| c != id);
            self.nodes[id].parent = None;
            self.dirty = true;
        }
        if self.root == Some(id) {
            self.root = None;
            self.dirty = true;
        }
    }

    /// Copies the subtree `id` of `other` into this tree (unattached); returns the new id.
    /// Nodes that inherit their namespace keep inheriting it where the copy is added.
    pub fn copy_from(&mut self, other: &Tree, id: usize) -> Option<usize> {
        let kind = other.kind(id)?.clone();
        self.dirty = true;
        let new = self.push(kind);
        for &child in other.children(id) {
            if let Some(copy) = self.copy_from(other, child) {
                self.attach(new, copy);
            }
        }
        Some(new)
    }

    /// The namespace of element `id`: its own, else the nearest ancestor's, else the default.
    pub fn namespace(&self, mut id: usize) -> String {
        loop {
            if let Some(Kind::Element { ns: Some(ns), .. }) = self.kind(id) {
                return ns.clone();
            }
            match self.parent(id) {
                Some(parent) => id = parent,
                None => return DEFAULT_NS.to_owned(),
            }
        }
    }

    /// Reads attribute `key` of element `id` (`xmlns` reads the namespace).
    pub fn attr(&self, id: usize, key: &str) -> Option<String> {
        match self.kind(id)? {
            Kind::Element { .. } if key == "xmlns" => Some(self.namespace(id)),
            Kind::Element { attrs, .. } => {
                attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
            }
            Kind::Text(_) => None,
        }
    }

    /// Sets (or with `None` removes) attribute `key` of element `id`; `xmlns` sets the namespace.
    pub fn set_attr(&mut self, id: usize, key: &str, value: Option<&str>) {
        let Some(NodeData {
            kind: Kind::Element { ns, attrs, .. },
            ..
        }) = self.nodes.get_mut(id)
        else {
            return;
        };
        if key == "xmlns" {
            *ns = value.map(str::to_owned);
        } else {
            match value {
                Some(v) => match attrs.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = v.to_owned(),
                    None => attrs.push((key.to_owned(), v.to_owned())),
                },
                None => attrs.retain(|(k, _)| k != key),
            }
        }
        self.dirty = true;
    }

    /// The text content of `id`: a text node's text, or all descendant text of an element.
    pub fn contents(&self, id: usize) -> String {
        let mut out = String::new();
        self.collect_text(id, &mut out);
        out
    }

    fn collect_text(&self, id: usize, out: &mut String) {
        match self.kind(id) {
            Some(Kind::Text(t)) => out.push_str(t),
            Some(Kind::Element { .. }) => {
                for &child in self.children(id) {
                    self.collect_text(child, out);
                }
            }
            None => {}
        }
    }

    /// Replaces the children of element `id` (or the text of a text node) with `text`.
    pub fn set_contents(&mut self, id: usize, text: &str) {
        match self.nodes.get_mut(id).map(|n| &mut n.kind) {
            Some(Kind::Text(t)) => *t = text.to_owned(),
            Some(Kind::Element { .. }) => {
                for child in std::mem::take(&mut self.nodes[id].children) {
                    self.nodes[child].parent = None;
                }
                if !text.is_empty() {
                    let node = self.new_text(text);
                    self.attach(id, node);
                }
            }
            None => return,
        }
        self.dirty = true;
    }

    /// Element `id` as an owned [`Element`] with every namespace resolved (`None` for text).
    pub fn export(&self, id: usize) -> Option<Element> {
        let Kind::Element { name, attrs, .. } = self.kind(id)? else {
            return None;
        };
        let mut element = Element::new(name, &self.namespace(id));
        element.attrs = attrs.clone();
        for &child in self.children(id) {
            match self.kind(child) {
                Some(Kind::Text(t)) => element.push_text(t),
                Some(Kind::Element { .. }) => element.push_child(self.export(child)?),
                None => {}
            }
        }
        Some(element)
    }

    /// Serialises node `id` (text nodes as escaped text).
    pub fn to_xml(&self, id: usize) -> String {
        match self.kind(id) {
            Some(Kind::Text(t)) => {
                let mut out = String::new();
                impetus_xml::escape_attr(t, &mut out);
                out
            }
            Some(Kind::Element { .. }) => self
                .export(id)
                .map(|e| e.to_string_in(DEFAULT_NS))
                .unwrap_or_default(),
            None => String::new(),
        }
    }
}

fn strip_blanks(element: &mut Element) {
    element.children.retain(|child| match child {
        Node::Text(t) => !t.trim().is_empty(),
        Node::Element(_) => true,
    });
    for child in &mut element.children {
        if let Node::Element(e) = child {
            strip_blanks(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_edit_and_export() {
        let mut tree = Tree::parse(
            "<iq type='get' id='1'>\n  <query xmlns='jabber:iq:roster'/>\n</iq>",
            false,
        )
        .expect("parses");
        let root = tree.root.expect("root");
        assert_eq!(tree.children(root).len(), 1, "blank text dropped");
        let query = tree.children(root)[0];
        assert_eq!(
            tree.attr(query, "xmlns").as_deref(),
            Some("jabber:iq:roster")
        );
        let item = tree.new_element("item");
        assert!(tree.attach(query, item));
        tree.set_attr(item, "jid", Some("bob@example.com"));
        assert_eq!(tree.namespace(item), "jabber:iq:roster", "inherited");
        tree.set_attr(root, "type", Some("result"));
        tree.set_attr(root, "id", None);
        assert_eq!(
            tree.to_xml(root),
            "<iq type=\"result\"><query xmlns=\"jabber:iq:roster\"><item jid=\"bob@example.com\"/></query></iq>"
        );
    }

    #[test]
    fn unlink_contents_and_cycles() {
        let mut tree =
            Tree::parse("<message><body>hi <b>there</b></body></message>", true).expect("parses");
        let root = tree.root.expect("root");
        let body = tree.children(root)[0];
        assert_eq!(tree.contents(body), "hi there");
        assert!(
            !tree.attach(body, root),
            "a node cannot contain its ancestor"
        );
        tree.set_contents(body, "plain");
        assert_eq!(tree.to_xml(root), "<message><body>plain</body></message>");
        tree.unlink(body);
        assert_eq!(tree.to_xml(root), "<message/>");
        assert_eq!(tree.parent(body), None);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(Tree::parse("<a>", false).is_err());
        assert!(Tree::parse("<a/><b/>", false).is_err());
        assert!(Tree::parse("", false).is_err());
        assert!(Tree::parse("<!DOCTYPE x><a/>", false).is_err());
    }

    #[test]
    fn copies_keep_inherited_namespaces() {
        let mut source = Tree::default();
        let item = source.new_element("item");
        let mut target = Tree::parse("<query xmlns='urn:x'/>", false).expect("parses");
        let copy = target.copy_from(&source, item).expect("copied");
        let root = target.root.expect("root");
        assert!(target.attach(root, copy));
        assert_eq!(
            target.to_xml(root),
            "<query xmlns=\"urn:x\"><item/></query>"
        );
    }
}
