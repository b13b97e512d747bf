//! The stream reader: buffers socket bytes, drives the scanner and turns each complete item
//! into a [`StreamEvent`]. Produces the same events however the input is chunked.

use std::fmt;

use crate::decode::is_ws;
use crate::element::Element;
use crate::error::XmlError;
use crate::header::{StreamHeader, StreamScope, check_decl, parse_header};
use crate::limits::Limits;
use crate::scanner::{Item, Scanner};
use crate::stanza::parse_stanza;

/// One thing read from an XMPP stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The `<stream:stream ...>` opening tag.
    Header(StreamHeader),
    /// A complete top-level element (stanza, `<stream:features>`, `<starttls/>`, ...).
    Stanza(Element),
    /// The closing `</stream:stream>` (also emitted after a self-closing header).
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    ClosePending,
    Closed,
}

/// Incremental reader of one XMPP stream. Feed it bytes as they arrive and call
/// [`StreamReader::next`] until it returns `Ok(None)`. After an error the stream is dead: every
/// later call returns the same error.
pub struct StreamReader {
    limits: Limits,
    buf: Vec<u8>,
    scanner: Scanner,
    scope: Option<StreamScope>,
    phase: Phase,
    failed: Option<XmlError>,
}

impl StreamReader {
    /// A reader for a new stream, enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        StreamReader {
            limits,
            buf: Vec::new(),
            scanner: Scanner::new(0),
            scope: None,
            phase: Phase::Open,
            failed: None,
        }
    }

    /// Appends bytes read from the socket. Bytes fed after the stream closed or failed are
    /// discarded.
    pub fn feed(&mut self, data: &[u8]) {
        if self.failed.is_some() || self.phase != Phase::Open {
            return;
        }
        let consumed = self.scanner.consumed();
        if consumed > 0 && consumed >= self.buf.len() / 2 {
            self.buf.drain(..consumed);
            self.scanner.shift(consumed);
        }
        self.buf.extend_from_slice(data);
    }

    /// The next event, or `Ok(None)` when more bytes are needed (or the stream has closed).
    #[allow(clippy::should_implement_trait)] // fallible and resumable, unlike Iterator::next
    pub fn next(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.phase {
            Phase::Closed => return Ok(None),
            Phase::ClosePending => {
                self.phase = Phase::Closed;
                return Ok(Some(StreamEvent::Close));
            }
            Phase::Open => {}
        }
        let result = self.advance();
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Restarts the stream (after STARTTLS or SASL success): a new header is expected next.
    /// Unconsumed bytes are kept and parsed as the new stream; check
    /// [`StreamReader::has_buffered`] first where pipelined data must be refused.
    pub fn reset(&mut self) {
        self.scanner = Scanner::new(self.scanner.consumed());
        self.scope = None;
        self.phase = Phase::Open;
        self.failed = None;
    }

    /// True if bytes other than whitespace have been fed but not yet returned as events
    /// (used to refuse data pipelined after `<starttls/>`).
    pub fn has_buffered(&self) -> bool {
        let pending = self.buf.get(self.scanner.consumed()..).unwrap_or_default();
        pending.iter().any(|&b| !is_ws(b))
    }

    fn advance(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        let StreamReader {
            limits,
            buf,
            scanner,
            scope,
            phase,
            ..
        } = self;
        loop {
            let Some((item, range)) = scanner.scan(buf, limits)? else {
                if scanner.consumed() >= buf.len() {
                    // Everything fed is parsed: a waiting stream holds no buffer.
                    scanner.shift(buf.len());
                    *buf = Vec::new();
                }
                return Ok(None);
            };
            let text = buf
                .get(range)
                .ok_or_else(|| XmlError::nwf("scanner out of range"))?;
            let text = std::str::from_utf8(text)
                .map_err(|e| XmlError::UnsupportedEncoding(e.to_string()))?;
            match item {
                Item::Decl => check_decl(text)?,
                Item::Header { self_closing } => {
                    let (header, header_scope) = parse_header(text, limits)?;
                    *scope = Some(header_scope);
                    if self_closing {
                        *phase = Phase::ClosePending;
                    }
                    return Ok(Some(StreamEvent::Header(header)));
                }
                Item::Stanza => {
                    let bindings = scope.as_ref().map_or(&[][..], |s| &s.bindings[..]);
                    return parse_stanza(text, bindings, limits)
                        .map(|e| Some(StreamEvent::Stanza(e)));
                }
                Item::EndTag => {
                    let name = text.strip_prefix("</").and_then(|t| t.strip_suffix('>'));
                    let name = name.map(|n| n.trim_end_matches([' ', '\t', '\r', '\n']));
                    return match scope {
                        Some(s) if name == Some(s.qname.as_str()) => {
                            *phase = Phase::Closed;
                            Ok(Some(StreamEvent::Close))
                        }
                        _ => Err(XmlError::NotWellFormed(format!(
                            "unexpected end tag {text}"
                        ))),
                    };
                }
            }
        }
    }
}

impl Default for StreamReader {
    fn default() -> Self {
        StreamReader::new(Limits::default())
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field(
                "buffered",
                &(self.buf.len() - self.scanner.consumed().min(self.buf.len())),
            )
            .field("phase", &self.phase)
            .field("failed", &self.failed)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

    fn drain(r: &mut StreamReader) -> Result<Vec<StreamEvent>, XmlError> {
        let mut out = Vec::new();
        while let Some(ev) = r.next()? {
            out.push(ev);
        }
        Ok(out)
    }

    #[test]
    fn header_stanza_close() {
        let mut r = StreamReader::default();
        r.feed(format!("{HEADER}<presence/></stream:stream >").as_bytes());
        let evs = drain(&mut r).expect("valid stream");
        assert!(
            matches!(&evs[0], StreamEvent::Header(h) if h.default_ns.as_deref() == Some("jabber:client"))
        );
        assert_eq!(
            evs[1],
            StreamEvent::Stanza(Element::new("presence", "jabber:client"))
        );
        assert_eq!(evs[2], StreamEvent::Close);
        assert_eq!(evs.len(), 3);
        r.feed(b"<more/>");
        assert_eq!(r.next(), Ok(None));
        assert!(!r.has_buffered());
    }

    #[test]
    fn self_closing_header_yields_close() {
        let mut r = StreamReader::default();
        r.feed(b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>");
        let evs = drain(&mut r).expect("valid");
        assert!(matches!(
            evs.as_slice(),
            [StreamEvent::Header(_), StreamEvent::Close]
        ));
    }

    #[test]
    fn errors_are_sticky() {
        let mut r = StreamReader::default();
        r.feed(format!("{HEADER}<a><!-- x --></a>").as_bytes());
        assert!(matches!(r.next(), Ok(Some(StreamEvent::Header(_)))));
        let err = r.next();
        assert!(matches!(err, Err(XmlError::RestrictedXml(_))));
        r.feed(b"<b/>");
        assert_eq!(r.next(), err);
    }

    #[test]
    fn wrong_close_tag_is_not_well_formed() {
        let mut r = StreamReader::default();
        r.feed(format!("{HEADER}</stream>").as_bytes());
        assert!(matches!(r.next(), Ok(Some(StreamEvent::Header(_)))));
        assert!(matches!(r.next(), Err(XmlError::NotWellFormed(_))));
        let mut r = StreamReader::default();
        r.feed(b"</stream:stream>");
        assert!(matches!(r.next(), Err(XmlError::NotWellFormed(_))));
    }

    #[test]
    fn reset_keeps_pipelined_bytes_and_expects_new_header() {
        let mut r = StreamReader::default();
        r.feed(format!("{HEADER}<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n").as_bytes());
        assert!(matches!(r.next(), Ok(Some(StreamEvent::Header(_)))));
        assert!(matches!(r.next(), Ok(Some(StreamEvent::Stanza(e))) if e.name == "starttls"));
        assert!(
            !r.has_buffered(),
            "trailing whitespace is not pipelined data"
        );
        r.feed(b"<message/>");
        assert!(r.has_buffered());
        r.reset();
        r.feed(format!("<?xml version='1.0'?>{HEADER}").as_bytes());
        // The pipelined <message/> is now where the header should be: it is taken as the header.
        assert!(matches!(r.next(), Err(XmlError::InvalidNamespace(_))));
        let mut r = StreamReader::default();
        r.feed(format!("{HEADER}<auth/>").as_bytes());
        assert_eq!(drain(&mut r).map(|v| v.len()), Ok(2));
        r.reset();
        r.feed(format!("<?xml version='1.0'?>{HEADER}<iq/>").as_bytes());
        assert_eq!(drain(&mut r).map(|v| v.len()), Ok(2));
    }

    #[test]
    fn buffer_is_compacted() {
        let mut r = StreamReader::default();
        r.feed(HEADER.as_bytes());
        assert!(matches!(r.next(), Ok(Some(StreamEvent::Header(_)))));
        let stanza = b"<message to='a@b'><body>hello</body></message>";
        for _ in 0..10_000 {
            r.feed(stanza);
            assert!(matches!(r.next(), Ok(Some(StreamEvent::Stanza(_)))));
        }
        assert!(
            r.buf.len() <= 2 * (HEADER.len() + stanza.len()),
            "buffer grew to {}",
            r.buf.len()
        );
        let dbg = format!("{r:?}");
        assert!(dbg.contains("buffered: 0"), "{dbg}");
    }
}
