//! Parsing of what precedes the stanzas: the optional XML declaration and the stream header.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::XmlError;
use crate::limits::Limits;
use crate::tag::{NsScope, open};

/// The namespace of the stream root element (`<stream:stream>`).
pub const STREAMS_NS: &str = "http://etherx.jabber.org/streams";

/// The opening `<stream:stream ...>` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeader {
    /// Local name of the root element (normally `stream`; checking it is the caller's job).
    pub name: String,
    /// Namespace of the root element; always [`STREAMS_NS`] (anything else is rejected).
    pub ns: String,
    /// Prefix of the root element as written (normally `stream`), `None` if unprefixed.
    pub prefix: Option<String>,
    /// The default namespace declared on the header (`jabber:client`, `jabber:server`, ...).
    pub default_ns: Option<String>,
    /// Ordinary attributes in document order (`to`, `from`, `version`, `xml:lang`, `id`, ...).
    pub attrs: Vec<(String, String)>,
    /// Prefix declarations other than the root's own prefix, e.g. `("db", "jabber:server:dialback")`.
    pub extra_ns: Vec<(String, String)>,
}

impl StreamHeader {
    /// The value of header attribute `k`, if present.
    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// What the reader keeps from the header to parse stanzas and match the closing tag.
#[derive(Debug, Clone)]
pub(crate) struct StreamScope {
    /// The root's qualified name as written, which `</...>` must repeat.
    pub(crate) qname: String,
    /// Every binding the header declared, "" being the default namespace.
    pub(crate) bindings: Vec<(String, String)>,
}

/// Validates an `<?xml ...?>` declaration: it must be a declaration (not another PI), carry a
/// version and, if it names an encoding, name UTF-8.
pub(crate) fn check_decl(text: &str) -> Result<(), XmlError> {
    let mut reader = Reader::from_str(text);
    let Event::Decl(decl) = reader.read_event()? else {
        return Err(XmlError::RestrictedXml("processing instruction".into()));
    };
    decl.version()?;
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(enc)) if enc.eq_ignore_ascii_case("UTF-8") => Ok(()),
        Some(Ok(enc)) => Err(XmlError::UnsupportedEncoding(enc.into_owned())),
        Some(Err(e)) => Err(e.into()),
    }
}

/// Parses the stream root start tag (`text` is the whole tag, `<` to `>`).
pub(crate) fn parse_header(
    text: &str,
    limits: &Limits,
) -> Result<(StreamHeader, StreamScope), XmlError> {
    let mut reader = Reader::from_str(text);
    let (Event::Start(start) | Event::Empty(start)) = reader.read_event()? else {
        return Err(XmlError::nwf("expected the stream header"));
    };
    let qname = start.name().0;
    let mut scope = NsScope::new(&[], limits.max_ns_bindings);
    let root = open(&start, &mut scope, limits.max_attrs)?;
    if root.ns != STREAMS_NS {
        return Err(XmlError::InvalidNamespace(format!(
            "stream namespace {:?}",
            root.ns
        )));
    }
    let prefix = qname.split_once(':').map(|(p, _)| p.to_owned());
    let bindings = scope.into_declared();
    let default_ns = bindings
        .iter()
        .find(|(p, _)| p.is_empty())
        .map(|(_, uri)| uri.clone());
    let extra_ns = bindings
        .iter()
        .filter(|(p, _)| !p.is_empty() && Some(p) != prefix.as_ref())
        .cloned()
        .collect();
    let attrs = root
        .attrs
        .into_iter()
        .filter(|(k, _)| !k.starts_with("xmlns:"))
        .collect();
    let header = StreamHeader {
        name: root.name,
        ns: root.ns,
        prefix,
        default_ns,
        attrs,
        extra_ns,
    };
    Ok((
        header,
        StreamScope {
            qname: qname.to_owned(),
            bindings,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations() {
        assert_eq!(check_decl("<?xml version='1.0'?>"), Ok(()));
        assert_eq!(
            check_decl("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            Ok(())
        );
        let latin = check_decl("<?xml version='1.0' encoding='ISO-8859-1'?>");
        assert!(matches!(latin, Err(XmlError::UnsupportedEncoding(_))));
        assert!(matches!(
            check_decl("<?php echo 1?>"),
            Err(XmlError::RestrictedXml(_))
        ));
        assert!(matches!(
            check_decl("<?xml encoding='UTF-8'?>"),
            Err(XmlError::NotWellFormed(_))
        ));
    }

    #[test]
    fn header_fields() {
        let (h, scope) = parse_header(
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' \
             xmlns:db='jabber:server:dialback' to='example.com' version='1.0' xml:lang='en'>",
            &Limits::default(),
        )
        .expect("valid header");
        assert_eq!((h.name.as_str(), h.ns.as_str()), ("stream", STREAMS_NS));
        assert_eq!(h.prefix.as_deref(), Some("stream"));
        assert_eq!(h.default_ns.as_deref(), Some("jabber:server"));
        assert_eq!(h.attr("to"), Some("example.com"));
        assert_eq!(h.attr("xml:lang"), Some("en"));
        assert_eq!(h.attrs.len(), 3);
        assert_eq!(
            h.extra_ns,
            vec![("db".to_owned(), "jabber:server:dialback".to_owned())]
        );
        assert_eq!(scope.qname, "stream:stream");
        assert_eq!(scope.bindings.len(), 3);
    }

    #[test]
    fn header_errors() {
        let l = Limits::default();
        let wrong = parse_header("<stream:stream xmlns:stream='urn:wrong'>", &l);
        assert!(matches!(wrong, Err(XmlError::InvalidNamespace(_))));
        let unprefixed = parse_header("<stream xmlns='jabber:client'>", &l);
        assert!(matches!(unprefixed, Err(XmlError::InvalidNamespace(_))));
        let unbound = parse_header("<stream:stream xmlns='jabber:client'>", &l);
        assert!(matches!(unbound, Err(XmlError::BadNamespacePrefix(_))));
    }
}
