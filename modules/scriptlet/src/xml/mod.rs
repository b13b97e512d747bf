//! The XML model behind Lua's `require("xml")`: `tree.rs` (a mutable arena tree converted to
//! and from stanzas) and `xpath.rs` (the supported XPath subset). The Lua binding is
//! `api/xml.rs`.

pub mod tree;
pub mod xpath;
