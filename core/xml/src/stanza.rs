//! Builds an [`Element`] tree from the complete bytes of one top-level element, as delimited
//! by the scanner, resolving namespaces against the stream header's bindings.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::decode::{Mode, decode, resolve_ref};
use crate::element::Element;
use crate::error::XmlError;
use crate::limits::Limits;
use crate::tag::{NsScope, open};

/// Parses `text` (exactly one element, as found by the scanner) into an element tree.
/// `inherited` are the (prefix, uri) bindings of the stream header, "" being the default.
pub(crate) fn parse_stanza(
    text: &str,
    inherited: &[(String, String)],
    limits: &Limits,
) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut scope = NsScope::new(inherited, limits.max_ns_bindings);
    // Open elements with the namespace-stack mark to restore when each one closes.
    let mut stack: Vec<(Element, usize)> = Vec::with_capacity(8);
    loop {
        let closed = match reader.read_event()? {
            Event::Start(start) => {
                let mark = scope.mark();
                stack.push((open(&start, &mut scope, limits.max_attrs)?, mark));
                None
            }
            Event::Empty(start) => {
                let mark = scope.mark();
                let element = open(&start, &mut scope, limits.max_attrs)?;
                scope.pop_to(mark);
                Some(element)
            }
            Event::End(_) => {
                let (element, mark) = stack
                    .pop()
                    .ok_or_else(|| XmlError::nwf("unexpected end tag"))?;
                scope.pop_to(mark);
                Some(element)
            }
            Event::Text(t) => {
                push_text(&mut stack, &decode(&t, Mode::Text)?)?;
                None
            }
            Event::CData(t) => {
                push_text(&mut stack, &decode(&t, Mode::Text)?)?;
                None
            }
            Event::GeneralRef(r) => {
                let mut utf8 = [0u8; 4];
                push_text(&mut stack, resolve_ref(&r)?.encode_utf8(&mut utf8))?;
                None
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {
                return Err(XmlError::RestrictedXml("markup not allowed in XMPP".into()));
            }
            Event::Eof => return Err(XmlError::nwf("stanza ended early")),
        };
        if let Some(element) = closed {
            match stack.last_mut() {
                Some((parent, _)) => parent.push_child(element),
                None => return finish(&mut reader, element),
            }
        }
    }
}

/// After the root element closed, nothing may follow it in the delimited bytes.
fn finish(reader: &mut Reader<&[u8]>, root: Element) -> Result<Element, XmlError> {
    match reader.read_event()? {
        Event::Eof => Ok(root),
        _ => Err(XmlError::nwf("content after the stanza element")),
    }
}

fn push_text(stack: &mut [(Element, usize)], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some((element, _)) => {
            element.push_text(text);
            Ok(())
        }
        None => Err(XmlError::nwf("text outside the stanza element")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::Node;

    fn inherited() -> Vec<(String, String)> {
        vec![
            (String::new(), "jabber:client".into()),
            ("stream".into(), "http://etherx.jabber.org/streams".into()),
        ]
    }

    fn parse(text: &str) -> Result<Element, XmlError> {
        parse_stanza(text, &inherited(), &Limits::default())
    }

    #[test]
    fn builds_tree_with_namespaces_and_text() {
        let m = parse(
            "<message to='a@b' xml:lang='en'><body>a &amp; b&#x21;<![CDATA[<raw>&]]>\r\nz</body>\
             <x xmlns='urn:x'><y/></x><stream:error/></message>",
        )
        .expect("valid stanza");
        assert!(m.is("message", "jabber:client"));
        assert_eq!(m.attrs.len(), 2);
        let body = m.child("body", "jabber:client").expect("body");
        assert_eq!(body.children, vec![Node::Text("a & b!<raw>&\nz".into())]);
        let x = m.child("x", "urn:x").expect("x");
        assert!(x.child("y", "urn:x").is_some());
        assert!(
            m.child("error", "http://etherx.jabber.org/streams")
                .is_some()
        );
    }

    #[test]
    fn declarations_are_scoped() {
        let e = parse("<iq><a xmlns:p='urn:p'><p:b/></a><p:c/></iq>");
        assert!(matches!(e, Err(XmlError::BadNamespacePrefix(_))));
        let e = parse("<iq><a xmlns='urn:a'><b/></a><c/></iq>").expect("valid");
        let kids: Vec<_> = e.elements().map(|k| k.ns.as_str()).collect();
        assert_eq!(kids, ["urn:a", "jabber:client"]);
        assert_eq!(
            e.elements()
                .next()
                .and_then(|a| a.elements().next())
                .map(|b| b.ns.as_str()),
            Some("urn:a")
        );
    }

    #[test]
    fn rejects_bad_content() {
        assert!(matches!(parse("<a></b>"), Err(XmlError::NotWellFormed(_))));
        assert!(matches!(
            parse("<a>&nbsp;</a>"),
            Err(XmlError::RestrictedXml(_))
        ));
        assert!(matches!(
            parse("<a>&#0;</a>"),
            Err(XmlError::NotWellFormed(_))
        ));
        assert!(matches!(
            parse("<a>x & y</a>"),
            Err(XmlError::NotWellFormed(_))
        ));
        assert!(matches!(parse("<a/><b/>"), Err(XmlError::NotWellFormed(_))));
        assert!(matches!(parse("<a>"), Err(XmlError::NotWellFormed(_))));
        assert!(matches!(parse("<1a/>"), Err(XmlError::NotWellFormed(_))));
    }
}
