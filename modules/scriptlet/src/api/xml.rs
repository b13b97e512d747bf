//! `require("xml")` (spec §4.4): `xml.parsexml(str[, keep_blanks])`, `xml.newnode(name)`;
//! documents (`doc:root()`, `doc:xpath(q[, ctx])`, `doc:tostring()`) and nodes (`name`,
//! `attr`/`attribute`, `addchild`, `contents`, `children`, `doc`, `parent`, `unlink`,
//! `tostring`) over the arena tree of `xml/tree.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use impetus_xml::Element;
use mlua::{Lua, MetaMethod, Table, UserData, UserDataMethods, Value, Variadic};

use crate::xml::tree::{Kind, Tree};
use crate::xml::xpath::Path;

/// A shared, mutable document.
pub type SharedTree = Rc<RefCell<Tree>>;

/// A document handle.
#[derive(Clone)]
pub struct LuaDoc(pub SharedTree);

/// A node handle: the document and the node's id in it.
#[derive(Clone)]
pub struct LuaNode {
    /// The document.
    pub tree: SharedTree,
    /// The node.
    pub id: usize,
}

impl LuaNode {
    /// The node of a fresh document holding `element` as its root.
    pub fn from_element(element: &Element) -> LuaNode {
        let tree = Tree::from_element(element);
        let id = tree.root.unwrap_or_default();
        let mut tree = tree;
        tree.dirty = false;
        LuaNode {
            tree: Rc::new(RefCell::new(tree)),
            id,
        }
    }

    /// The node as an owned element (`None` for text nodes).
    pub fn to_element(&self) -> Option<Element> {
        self.tree.borrow().export(self.id)
    }
}

/// An element from a node, a document (its root) or an XML string.
pub fn element_arg(value: &Value) -> mlua::Result<Element> {
    let found = match value {
        Value::UserData(ud) => {
            if let Ok(node) = ud.borrow::<LuaNode>() {
                node.to_element()
            } else {
                let doc = ud.borrow::<LuaDoc>()?;
                let tree = doc.0.borrow();
                tree.root.and_then(|root| tree.export(root))
            }
        }
        Value::String(s) => {
            let tree = Tree::parse(&s.to_str()?, false).map_err(mlua::Error::runtime)?;
            tree.root.and_then(|root| tree.export(root))
        }
        other => {
            return Err(mlua::Error::runtime(format!(
                "expected an XML node or string, got {}",
                other.type_name()
            )));
        }
    };
    found.ok_or_else(|| {
        mlua::Error::runtime("expected an element, got a text node or empty document")
    })
}

/// Builds the `xml` table.
pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let xml = lua.create_table()?;
    xml.set(
        "parsexml",
        lua.create_function(|_, (text, keep_blanks): (String, Option<bool>)| {
            Ok(match Tree::parse(&text, keep_blanks.unwrap_or(false)) {
                Ok(tree) => (Some(LuaDoc(Rc::new(RefCell::new(tree)))), None),
                Err(e) => (None, Some(e)),
            })
        })?,
    )?;
    xml.set(
        "newnode",
        lua.create_function(|_, name: String| {
            let mut tree = Tree::default();
            let id = tree.new_element(&name);
            tree.root = Some(id);
            Ok(LuaNode {
                tree: Rc::new(RefCell::new(tree)),
                id,
            })
        })?,
    )?;
    Ok(xml)
}

/// An iterator function over a snapshot of node ids.
fn iterator(lua: &Lua, tree: SharedTree, ids: Vec<usize>) -> mlua::Result<mlua::Function> {
    let position = RefCell::new(0usize);
    lua.create_function(move |_, ()| {
        let mut index = position.borrow_mut();
        let next = ids.get(*index).map(|&id| LuaNode {
            tree: tree.clone(),
            id,
        });
        *index += 1;
        Ok(next)
    })
}

impl UserData for LuaDoc {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("root", |_, this, ()| {
            Ok(this.0.borrow().root.map(|id| LuaNode {
                tree: this.0.clone(),
                id,
            }))
        });
        methods.add_method(
            "xpath",
            |lua, this, (query, context): (String, Option<Value>)| {
                let path = Path::parse(&query).map_err(mlua::Error::runtime)?;
                let context = match context {
                    Some(Value::UserData(ud)) => Some(ud.borrow::<LuaNode>()?.id),
                    _ => None,
                };
                let ids = path.select(&this.0.borrow(), context);
                iterator(lua, this.0.clone(), ids)
            },
        );
        methods.add_method("tostring", |_, this, ()| Ok(doc_string(&this.0)));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(doc_string(&this.0)));
    }
}

fn doc_string(tree: &SharedTree) -> String {
    let tree = tree.borrow();
    tree.root.map(|root| tree.to_xml(root)).unwrap_or_default()
}

impl UserData for LuaNode {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("name", |_, this, ()| {
            Ok(match this.tree.borrow().kind(this.id) {
                Some(Kind::Element { name, .. }) => name.clone(),
                _ => "text".to_owned(),
            })
        });
        for name in ["attr", "attribute"] {
            methods.add_method(name, |_, this, args: Variadic<Value>| {
                let key = match args.first() {
                    Some(Value::String(s)) => s.to_str()?.to_owned(),
                    _ => return Err(mlua::Error::runtime("attr: expected an attribute name")),
                };
                if args.len() < 2 {
                    return Ok(this.tree.borrow().attr(this.id, &key));
                }
                let value = match &args[1] {
                    Value::Nil => None,
                    Value::String(s) => Some(s.to_str()?.to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Integer(n) => Some(n.to_string()),
                    Value::Boolean(b) => Some(b.to_string()),
                    other => {
                        return Err(mlua::Error::runtime(format!(
                            "attr: cannot set a {}",
                            other.type_name()
                        )));
                    }
                };
                this.tree
                    .borrow_mut()
                    .set_attr(this.id, &key, value.as_deref());
                Ok(value)
            });
        }
        methods.add_method("addchild", |_, this, child: Value| add_child(this, &child));
        methods.add_method("contents", |_, this, text: Option<String>| {
            if let Some(text) = &text {
                this.tree.borrow_mut().set_contents(this.id, text);
            }
            Ok(this.tree.borrow().contents(this.id))
        });
        methods.add_method("children", |lua, this, ()| {
            let ids = this.tree.borrow().children(this.id).to_vec();
            iterator(lua, this.tree.clone(), ids)
        });
        methods.add_method("doc", |_, this, ()| Ok(LuaDoc(this.tree.clone())));
        methods.add_method("parent", |_, this, ()| {
            Ok(this.tree.borrow().parent(this.id).map(|id| LuaNode {
                tree: this.tree.clone(),
                id,
            }))
        });
        methods.add_method("unlink", |_, this, ()| {
            this.tree.borrow_mut().unlink(this.id);
            Ok(())
        });
        methods.add_method("tostring", |_, this, ()| {
            Ok(this.tree.borrow().to_xml(this.id))
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(this.tree.borrow().to_xml(this.id))
        });
    }
}

/// `node:addchild(name | node | xml string)`: the added child (moved when it belongs to the
/// same document, copied otherwise).
fn add_child(parent: &LuaNode, child: &Value) -> mlua::Result<LuaNode> {
    let new = match child {
        Value::String(s) => {
            let text = s.to_str()?;
            if text.trim_start().starts_with('<') {
                let parsed = Tree::parse(&text, false).map_err(mlua::Error::runtime)?;
                let root = parsed
                    .root
                    .ok_or_else(|| mlua::Error::runtime("empty XML"))?;
                parent.tree.borrow_mut().copy_from(&parsed, root)
            } else {
                Some(parent.tree.borrow_mut().new_element(&text))
            }
        }
        Value::UserData(ud) => {
            let node = ud.borrow::<LuaNode>()?;
            if Rc::ptr_eq(&node.tree, &parent.tree) {
                Some(node.id)
            } else {
                let other = node.tree.borrow();
                parent.tree.borrow_mut().copy_from(&other, node.id)
            }
        }
        other => {
            return Err(mlua::Error::runtime(format!(
                "addchild: expected a name or node, got {}",
                other.type_name()
            )));
        }
    };
    let id = new.ok_or_else(|| mlua::Error::runtime("addchild: nothing to add"))?;
    if !parent.tree.borrow_mut().attach(parent.id, id) {
        return Err(mlua::Error::runtime(
            "addchild: a node cannot contain itself",
        ));
    }
    Ok(LuaNode {
        tree: parent.tree.clone(),
        id,
    })
}
