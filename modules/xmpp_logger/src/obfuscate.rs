//! The privacy rule behind `%so`: a copy of the stanza in which what people wrote is replaced
//! by its length. Every element named `body`, `subject`, `thread` or `status` (at any depth and
//! in any namespace, so XHTML-IM bodies and forwarded or carbon-copied messages are covered)
//! that has text gets its whole content replaced by the text `[N chars]`, N being the number of
//! characters of text it held. Addresses, ids, types and every other element stay as they were.

use impetus_xml::{Element, Node};

/// Elements whose text is private.
const PRIVATE: [&str; 4] = ["body", "subject", "thread", "status"];

/// A copy of `stanza` with private text replaced by its length.
pub fn obfuscate(stanza: &Element) -> Element {
    let mut copy = stanza.clone();
    hide(&mut copy);
    copy
}

fn hide(element: &mut Element) {
    for node in &mut element.children {
        let Node::Element(child) = node else { continue };
        if PRIVATE.contains(&child.name.as_str()) {
            let length = text_length(child);
            if length > 0 {
                child.children = vec![Node::Text(format!("[{length} chars]"))];
            }
        } else {
            hide(child);
        }
    }
}

/// Characters of text in `element` and its descendants.
fn text_length(element: &Element) -> usize {
    element
        .children
        .iter()
        .map(|node| match node {
            Node::Text(text) => text.chars().count(),
            Node::Element(child) => text_length(child),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xmpp_proto::ns;

    fn text_child(name: &str, ns: &str, text: &str) -> Element {
        Element::new(name, ns).with_text(text)
    }

    #[test]
    fn message_text_is_replaced_by_its_length() {
        let html = Element::new("html", "http://jabber.org/protocol/xhtml-im").with_child(
            Element::new("body", "http://www.w3.org/1999/xhtml")
                .with_text("Hi ")
                .with_child(text_child("b", "http://www.w3.org/1999/xhtml", "Bob")),
        );
        let message = Element::new("message", ns::CLIENT)
            .with_attr("to", "bob@example.com")
            .with_attr("id", "m1")
            .with_child(text_child("body", ns::CLIENT, "secret plans"))
            .with_child(text_child("subject", ns::CLIENT, "héllo"))
            .with_child(text_child("thread", ns::CLIENT, "t-1"))
            .with_child(html)
            .with_child(Element::new(
                "active",
                "http://jabber.org/protocol/chatstates",
            ));
        let hidden = obfuscate(&message).to_string_in(ns::CLIENT);
        assert_eq!(
            hidden,
            "<message to=\"bob@example.com\" id=\"m1\"><body>[12 chars]</body><subject>[5 chars]</subject>\
             <thread>[3 chars]</thread><html xmlns=\"http://jabber.org/protocol/xhtml-im\">\
             <body xmlns=\"http://www.w3.org/1999/xhtml\">[6 chars]</body></html>\
             <active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"
        );
        assert!(!hidden.contains("secret"));
    }

    #[test]
    fn forwarded_bodies_and_presence_status_are_hidden_and_empty_ones_kept() {
        let forwarded = Element::new("forwarded", "urn:xmpp:forward:0").with_child(
            Element::new("message", ns::CLIENT).with_child(text_child("body", ns::CLIENT, "inner")),
        );
        let carbon = Element::new("message", ns::CLIENT)
            .with_child(Element::new("sent", "urn:xmpp:carbons:2").with_child(forwarded));
        assert!(
            !obfuscate(&carbon)
                .to_string_in(ns::CLIENT)
                .contains("inner")
        );

        let presence = Element::new("presence", ns::CLIENT)
            .with_child(text_child("show", ns::CLIENT, "away"))
            .with_child(text_child("status", ns::CLIENT, "at the dentist"))
            .with_child(Element::new("subject", ns::CLIENT));
        assert_eq!(
            obfuscate(&presence).to_string_in(ns::CLIENT),
            "<presence><show>away</show><status>[14 chars]</status><subject/></presence>"
        );
    }
}
