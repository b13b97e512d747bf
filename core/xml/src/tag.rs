//! Start-tag processing shared by the stream header and stanzas: attribute decoding,
//! namespace declarations and prefix resolution.

use quick_xml::events::BytesStart;

use crate::decode::{Mode, decode, split_qname};
use crate::element::Element;
use crate::error::XmlError;

/// The namespace permanently bound to the `xml` prefix.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Namespace bindings in scope: those inherited from the stream header plus those declared
/// by the elements currently open in the stanza (a stack, unwound with [`NsScope::pop_to`]).
pub(crate) struct NsScope<'s> {
    inherited: &'s [(String, String)],
    declared: Vec<(String, String)>,
    max: usize,
}

impl<'s> NsScope<'s> {
    /// A scope inheriting `inherited` (prefix, uri) pairs, "" being the default namespace,
    /// allowing at most `max` bindings of its own at once.
    pub(crate) fn new(inherited: &'s [(String, String)], max: usize) -> Self {
        NsScope {
            inherited,
            declared: Vec::new(),
            max,
        }
    }

    /// The current depth of the declaration stack, to restore with [`NsScope::pop_to`].
    pub(crate) fn mark(&self) -> usize {
        self.declared.len()
    }

    /// Drops the declarations made after `mark` was taken.
    pub(crate) fn pop_to(&mut self, mark: usize) {
        self.declared.truncate(mark);
    }

    /// The bindings declared in this scope (and not yet popped), innermost last.
    pub(crate) fn into_declared(self) -> Vec<(String, String)> {
        self.declared
    }

    fn declare(&mut self, prefix: &str, uri: String) -> Result<(), XmlError> {
        if self.declared.len() >= self.max {
            return Err(XmlError::PolicyViolation(format!(
                "more than {} namespace bindings in scope",
                self.max
            )));
        }
        self.declared.push((prefix.to_owned(), uri));
        Ok(())
    }

    /// The URI bound to `prefix` ("" = default namespace), innermost binding first.
    pub(crate) fn resolve(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        let mut all = self
            .declared
            .iter()
            .rev()
            .chain(self.inherited.iter().rev());
        all.find(|(p, _)| p == prefix).map(|(_, uri)| uri.as_str())
    }
}

/// Processes a start tag: validates its name, declares its namespace bindings in `scope`
/// (the caller pops them when the element ends) and returns the childless element.
/// `xmlns:p` declarations are kept in `attrs` so prefixed attributes stay resolvable when the
/// element is serialised again; the default declaration is expressed by `ns` only.
pub(crate) fn open(
    start: &BytesStart<'_>,
    scope: &mut NsScope<'_>,
    max_attrs: usize,
) -> Result<Element, XmlError> {
    let (prefix, local) = split_qname(start.name().0)?;
    let mut attrs = Vec::new();
    for (n, attr) in start.attributes().enumerate() {
        if n >= max_attrs {
            return Err(XmlError::PolicyViolation(format!(
                "more than {max_attrs} attributes on <{}>",
                start.name().0
            )));
        }
        let attr = attr?;
        let key = attr.key.0;
        let value = decode(&attr.value, Mode::Attr)?;
        if key == "xmlns" {
            scope.declare("", value.into_owned())?;
            continue;
        }
        if let (Some("xmlns"), declared) = split_qname(key)? {
            check_declaration(declared, &value)?;
            scope.declare(declared, value.clone().into_owned())?;
        }
        attrs.push((key.to_owned(), value.into_owned()));
    }
    for (key, _) in &attrs {
        if let Some((p, _)) = key.split_once(':')
            && p != "xmlns"
            && scope.resolve(p).is_none()
        {
            return Err(XmlError::BadNamespacePrefix(format!(
                "unbound prefix in attribute {key}"
            )));
        }
    }
    let ns = match prefix {
        None => scope.resolve("").unwrap_or(""),
        Some(p) => scope
            .resolve(p)
            .ok_or_else(|| XmlError::BadNamespacePrefix(format!("unbound prefix {p}:")))?,
    };
    Ok(Element {
        name: local.to_owned(),
        ns: ns.to_owned(),
        attrs,
        children: Vec::new(),
    })
}

/// Namespaces in XML 1.0 constraints on `xmlns:prefix="uri"`.
fn check_declaration(prefix: &str, uri: &str) -> Result<(), XmlError> {
    let ok = match prefix {
        "xmlns" => false,
        "xml" => uri == XML_NS,
        _ => !uri.is_empty() && uri != XML_NS,
    };
    if ok {
        Ok(())
    } else {
        Err(XmlError::NotWellFormed(format!(
            "illegal declaration xmlns:{prefix}={uri:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(content: &str) -> BytesStart<'_> {
        let name_len = content.find(' ').unwrap_or(content.len());
        BytesStart::from_content(content, name_len)
    }

    fn inherited() -> Vec<(String, String)> {
        vec![
            (String::new(), "jabber:client".into()),
            ("stream".into(), "http://etherx.jabber.org/streams".into()),
        ]
    }

    #[test]
    fn resolves_inherited_declared_and_xml_prefixes() {
        let inh = inherited();
        let mut scope = NsScope::new(&inh, 8);
        let e = open(&start("stream:features"), &mut scope, 8);
        assert_eq!(
            e.map(|e| e.ns),
            Ok("http://etherx.jabber.org/streams".to_owned())
        );
        let mark = scope.mark();
        let e = open(
            &start("f:x xmlns:f='urn:f' xml:lang='en' f:a='1'"),
            &mut scope,
            8,
        );
        let e = e.expect("valid tag");
        assert_eq!((e.name.as_str(), e.ns.as_str()), ("x", "urn:f"));
        assert_eq!(e.attr("xmlns:f"), Some("urn:f"));
        assert_eq!(e.attr("xml:lang"), Some("en"));
        assert_eq!(scope.resolve("f"), Some("urn:f"));
        scope.pop_to(mark);
        assert_eq!(scope.resolve("f"), None);
        assert_eq!(scope.resolve(""), Some("jabber:client"));
    }

    #[test]
    fn default_declaration_sets_ns_and_is_not_an_attribute() {
        let inh = inherited();
        let mut scope = NsScope::new(&inh, 8);
        let e = open(
            &start("query xmlns='jabber:iq:roster' ver='1'"),
            &mut scope,
            8,
        );
        let e = e.expect("valid tag");
        assert_eq!(e.ns, "jabber:iq:roster");
        assert_eq!(e.attrs, vec![("ver".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn errors() {
        let inh = inherited();
        let mut scope = NsScope::new(&inh, 2);
        let bad_prefix =
            |r: Result<Element, XmlError>| matches!(r, Err(XmlError::BadNamespacePrefix(_)));
        assert!(bad_prefix(open(&start("foo:x"), &mut scope, 8)));
        assert!(bad_prefix(open(&start("x foo:a='1'"), &mut scope, 8)));
        assert!(bad_prefix(open(&start("xmlns:x"), &mut scope, 8)));
        for decl in [
            "x xmlns:p=''",
            "x xmlns:xmlns='u'",
            "x xmlns:xml='u'",
            "x a='1' a='2'",
        ] {
            let r = open(&start(decl), &mut scope, 8);
            assert!(matches!(r, Err(XmlError::NotWellFormed(_))), "{decl}");
        }
        let r = open(&start("x a='1' b='2' c='3'"), &mut scope, 2);
        assert!(matches!(r, Err(XmlError::PolicyViolation(_))));
        let r = open(
            &start("x xmlns:a='1' xmlns:b='2' xmlns:c='3'"),
            &mut NsScope::new(&inh, 2),
            8,
        );
        assert!(matches!(r, Err(XmlError::PolicyViolation(_))));
    }
}
