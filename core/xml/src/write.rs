//! Canonical serialisation of [`Element`] trees: minimal `xmlns` declarations and escaping.

use crate::element::{Element, Node};
use crate::header::STREAMS_NS;

/// The prefix every stream header binds to [`STREAMS_NS`].
const STREAM_PREFIX: &str = "stream:";

impl Element {
    /// Serialises this element into `out`. `parent_ns` is the namespace in scope where the
    /// element is written (for a stanza, the stream's default namespace, e.g. `jabber:client`);
    /// `xmlns` is declared only where an element's namespace differs from its parent's.
    /// Elements of the streams namespace (`features`, `error`) written where it is not the
    /// default take the `stream:` prefix the stream header binds, as RFC 6120 §4.8.5 asks.
    /// Attributes are written in stored order with `"` quoting; characters that XML cannot
    /// carry (C0 controls other than tab/CR/LF, U+FFFE, U+FFFF) are dropped.
    pub fn write_to(&self, parent_ns: &str, out: &mut String) {
        let prefixed = self.ns == STREAMS_NS && parent_ns != STREAMS_NS;
        // A prefixed element leaves the default namespace of its children unchanged.
        let inner_ns = if prefixed { parent_ns } else { &self.ns };
        out.push('<');
        if prefixed {
            out.push_str(STREAM_PREFIX);
        }
        out.push_str(&self.name);
        if self.ns != parent_ns && !prefixed {
            out.push_str(" xmlns=\"");
            escape_attr(&self.ns, out);
            out.push('"');
        }
        for (k, v) in &self.attrs {
            if k == "xmlns" {
                continue; // the namespace is expressed by `ns`; never emit a conflicting twin
            }
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_attr(v, out);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write_to(inner_ns, out),
                Node::Text(t) => escape_text(t, out),
            }
        }
        out.push_str("</");
        if prefixed {
            out.push_str(STREAM_PREFIX);
        }
        out.push_str(&self.name);
        out.push('>');
    }

    /// Serialises this element to a new string; see [`Element::write_to`].
    pub fn to_string_in(&self, parent_ns: &str) -> String {
        let mut out = String::with_capacity(128);
        self.write_to(parent_ns, &mut out);
        out
    }
}

/// Appends `s` escaped for character data (`& < >` and CR, which parsers would normalise).
pub(crate) fn escape_text(s: &str, out: &mut String) {
    escape(s, out, false);
}

/// Appends `s` escaped for a `"`-quoted attribute value (`& < > "` and tab/LF/CR, which
/// attribute-value normalisation would otherwise turn into spaces).
pub fn escape_attr(s: &str, out: &mut String) {
    escape(s, out, true);
}

fn escape(s: &str, out: &mut String, attr: bool) {
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#xD;",
            '"' if attr => "&quot;",
            '\n' if attr => "&#xA;",
            '\t' if attr => "&#x9;",
            '\t' | '\n' => continue,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        out.push_str(rep);
        run = i + c.len_utf8();
    }
    out.push_str(&s[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmlns_only_where_namespace_changes() {
        let m = Element::new("message", "jabber:client")
            .with_attr("to", "a@b")
            .with_child(Element::new("body", "jabber:client").with_text("hi"))
            .with_child(Element::new("x", "urn:x").with_child(Element::new("y", "urn:x")));
        assert_eq!(
            m.to_string_in("jabber:client"),
            "<message to=\"a@b\"><body>hi</body><x xmlns=\"urn:x\"><y/></x></message>"
        );
        assert!(
            m.to_string_in("jabber:server")
                .starts_with("<message xmlns=\"jabber:client\" to=")
        );
        assert_eq!(
            Element::new("a", "").to_string_in("jabber:client"),
            "<a xmlns=\"\"/>"
        );
    }

    #[test]
    fn escaping_text_and_attributes() {
        let mut out = String::new();
        escape_text("a<b>&\"'\r\n\t\u{1}é", &mut out);
        assert_eq!(out, "a&lt;b&gt;&amp;\"'&#xD;\n\té");
        out.clear();
        escape_attr("a<b>&\"'\r\n\t\u{FFFF}", &mut out);
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;'&#xD;&#xA;&#x9;");
    }

    #[test]
    fn streams_namespace_elements_take_the_stream_prefix() {
        let features = Element::new("features", STREAMS_NS)
            .with_child(Element::new("bind", "urn:ietf:params:xml:ns:xmpp-bind"))
            .with_child(Element::new("x", "jabber:client"));
        assert_eq!(
            features.to_string_in("jabber:client"),
            "<stream:features><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/><x/></stream:features>"
        );
        assert_eq!(
            Element::new("error", STREAMS_NS).to_string_in("jabber:server"),
            "<stream:error/>"
        );
        assert_eq!(
            Element::new("error", STREAMS_NS).to_string_in(STREAMS_NS),
            "<error/>"
        );
    }

    #[test]
    fn stored_xmlns_attribute_is_not_duplicated() {
        let e = Element::new("q", "urn:q").with_attr("xmlns", "urn:other");
        assert_eq!(e.to_string_in(""), "<q xmlns=\"urn:q\"/>");
    }
}
