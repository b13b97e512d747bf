//! Incremental byte scanner that finds where the stream header, each top-level element and
//! the closing tag end, enforcing size and depth limits and rejecting forbidden markup
//! (`<!--`, `<!DOCTYPE`, `<?`) as the bytes arrive. It resumes where it stopped, so split input
//! is scanned once in total.

use std::ops::Range;

use crate::decode::is_ws;
use crate::error::XmlError;
use crate::limits::Limits;

/// What a completed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    /// `<?...?>` before the stream header (only offered while a declaration is still allowed).
    Decl,
    /// The start tag of the stream root; `self_closing` for `<stream:stream/>`.
    Header { self_closing: bool },
    /// A complete top-level element inside the stream.
    Stanza,
    /// An end tag at stream level (should close the stream root).
    EndTag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At stream level between items: whitespace allowed, `<` starts an item.
    Idle,
    /// Just after `<`.
    Lt,
    /// After `<!`, with that many bytes of `[CDATA[` matched.
    Bang(u8),
    /// Inside `<?`; the flag says the previous byte was `?`.
    Pi(bool),
    /// Inside a start tag; `quote` is the open quote byte (0 = none), `slash` that the previous
    /// unquoted byte was `/`.
    Start { quote: u8, slash: bool },
    /// Inside an end tag.
    End,
    /// Character data inside a stanza.
    Text,
    /// Inside CDATA, with the number of consecutive `]` just seen (at most 2).
    Cdata(u8),
}

const CDATA_OPEN: &[u8] = b"[CDATA[";

/// Inside a start tag, outside any attribute value, previous byte not `/`.
const IN_TAG: State = State::Start {
    quote: 0,
    slash: false,
};

/// Resumable scanner state. Positions are indexes into the reader's buffer.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    state: State,
    /// Next byte to look at.
    pos: usize,
    /// Where the current item started (meaningful unless `Idle`).
    item_start: usize,
    /// Open elements inside the current stanza.
    depth: usize,
    /// The stream root's start tag has been seen.
    in_stream: bool,
    /// An XML declaration may still come (nothing but whitespace seen yet).
    decl_allowed: bool,
}

impl Scanner {
    /// A scanner at the start of a new stream whose first unread byte is at `pos`.
    pub(crate) fn new(pos: usize) -> Self {
        Scanner {
            state: State::Idle,
            pos,
            item_start: pos,
            depth: 0,
            in_stream: false,
            decl_allowed: true,
        }
    }

    /// Everything before this index is finished with and may be discarded.
    pub(crate) fn consumed(&self) -> usize {
        if self.state == State::Idle {
            self.pos
        } else {
            self.item_start
        }
    }

    /// Adjusts positions after the caller dropped `n` bytes from the front of the buffer
    /// (`n` must not exceed [`Scanner::consumed`]).
    pub(crate) fn shift(&mut self, n: usize) {
        self.pos -= n;
        self.item_start = self.item_start.saturating_sub(n);
    }

    /// Scans newly available bytes of `buf`. Returns the next complete item and its byte range,
    /// or `None` if more input is needed.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Option<(Item, Range<usize>)>, XmlError> {
        if self.state == State::Idle {
            let pending = buf.get(self.pos..).unwrap_or_default();
            let Some(skip) = pending.iter().position(|&b| !is_ws(b)) else {
                self.pos = buf.len();
                return Ok(None);
            };
            self.pos += skip;
            if buf[self.pos] != b'<' {
                return Err(XmlError::nwf("character data outside a stanza"));
            }
            self.item_start = self.pos;
            self.pos += 1;
            self.state = State::Lt;
        }
        let limit = self.item_start.saturating_add(limits.max_stanza_bytes);
        let end = buf.len().min(limit);
        match self.step(&buf[..end], limits.max_depth)? {
            Some(item) => {
                self.decl_allowed = false;
                Ok(Some((item, self.item_start..self.pos)))
            }
            None if end == limit => Err(XmlError::PolicyViolation(format!(
                "element larger than {} bytes",
                limits.max_stanza_bytes
            ))),
            None => Ok(None),
        }
    }

    /// Runs the state machine over `buf[self.pos..]` until an item completes or input runs out.
    fn step(&mut self, buf: &[u8], max_depth: usize) -> Result<Option<Item>, XmlError> {
        while let Some(&b) = buf.get(self.pos) {
            self.pos += 1;
            self.state = match self.state {
                State::Idle => {
                    self.pos -= 1;
                    return Ok(None);
                }
                State::Text => match memchr::memchr(b'<', &buf[self.pos - 1..]) {
                    Some(off) => {
                        self.pos += off;
                        State::Lt
                    }
                    None => {
                        self.pos = buf.len();
                        State::Text
                    }
                },
                State::Lt => self.after_lt(b, max_depth)?,
                State::Bang(n) => self.bang(n, b)?,
                State::Pi(question) if question && b == b'>' => {
                    self.state = State::Idle;
                    return Ok(Some(Item::Decl));
                }
                State::Pi(_) => State::Pi(b == b'?'),
                State::Start { quote: 0, slash } => {
                    let rest = &buf[self.pos - 1..];
                    let special = |c: &u8| matches!(c, b'>' | b'"' | b'\'' | b'<' | b'/');
                    let Some(off) = rest.iter().position(special) else {
                        self.pos = buf.len();
                        self.state = IN_TAG;
                        continue;
                    };
                    // A '/' only makes the tag self-closing when '>' follows it directly.
                    let slash = slash && off == 0;
                    self.pos += off;
                    match rest[off] {
                        b'>' => match self.start_tag_closed(slash) {
                            Some(item) => return Ok(Some(item)),
                            None => self.state,
                        },
                        b'/' => State::Start {
                            quote: 0,
                            slash: true,
                        },
                        b'<' => return Err(XmlError::nwf("'<' inside a tag")),
                        quote => State::Start {
                            quote,
                            slash: false,
                        },
                    }
                }
                State::Start { quote, .. } => {
                    let rest = &buf[self.pos - 1..];
                    match memchr::memchr2(quote, b'<', rest) {
                        Some(off) if rest[off] == quote => {
                            self.pos += off;
                            IN_TAG
                        }
                        Some(_) => return Err(XmlError::nwf("'<' in an attribute value")),
                        None => {
                            self.pos = buf.len();
                            State::Start {
                                quote,
                                slash: false,
                            }
                        }
                    }
                }
                State::End => match b {
                    b'>' => match self.end_tag_closed() {
                        Some(item) => return Ok(Some(item)),
                        None => self.state,
                    },
                    b'<' | b'"' | b'\'' => return Err(XmlError::nwf("malformed end tag")),
                    _ => State::End,
                },
                State::Cdata(2) if b == b'>' => State::Text,
                State::Cdata(n) if b == b']' => State::Cdata((n + 1).min(2)),
                State::Cdata(_) => State::Cdata(0),
            };
        }
        Ok(None)
    }

    fn after_lt(&mut self, b: u8, max_depth: usize) -> Result<State, XmlError> {
        match b {
            b'!' => Ok(State::Bang(0)),
            b'?' if self.decl_allowed && !self.in_stream => Ok(State::Pi(false)),
            b'?' => Err(XmlError::RestrictedXml("processing instruction".into())),
            b'/' => Ok(State::End),
            b'>' | b'<' | b'"' | b'\'' | b' ' | b'\t' | b'\r' | b'\n' => {
                Err(XmlError::nwf("malformed start tag"))
            }
            _ if self.in_stream && self.depth + 1 > max_depth => Err(XmlError::PolicyViolation(
                format!("elements nested deeper than {max_depth}"),
            )),
            _ => Ok(IN_TAG),
        }
    }

    fn bang(&self, n: u8, b: u8) -> Result<State, XmlError> {
        match (n, b) {
            (0, b'-') => Err(XmlError::RestrictedXml("comment".into())),
            (0, b'[') if self.depth == 0 => Err(XmlError::nwf("CDATA outside a stanza")),
            (0, _) if b != b'[' => Err(XmlError::RestrictedXml("DTD markup declaration".into())),
            _ if CDATA_OPEN.get(usize::from(n)) != Some(&b) => {
                Err(XmlError::nwf("malformed CDATA section"))
            }
            _ if usize::from(n) + 1 == CDATA_OPEN.len() => Ok(State::Cdata(0)),
            _ => Ok(State::Bang(n + 1)),
        }
    }

    /// Updates depth and state after a start tag's `>`; returns the item it completes, if any.
    fn start_tag_closed(&mut self, self_closing: bool) -> Option<Item> {
        if !self.in_stream {
            self.in_stream = !self_closing;
            self.state = State::Idle;
            return Some(Item::Header { self_closing });
        }
        if !self_closing {
            self.depth += 1;
        }
        self.after_element()
    }

    /// Updates depth and state after an end tag's `>`; returns the item it completes, if any.
    fn end_tag_closed(&mut self) -> Option<Item> {
        if self.depth == 0 {
            self.state = State::Idle;
            return Some(Item::EndTag);
        }
        self.depth -= 1;
        self.after_element()
    }

    fn after_element(&mut self) -> Option<Item> {
        if self.depth == 0 {
            self.state = State::Idle;
            Some(Item::Stanza)
        } else {
            self.state = State::Text;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "<stream:stream xmlns='jabber:client' a='/>'>";

    /// Scans `input` fed in chunks of `chunk` bytes; returns the items with their text.
    fn items(input: &str, chunk: usize, limits: &Limits) -> Result<Vec<(Item, String)>, XmlError> {
        let mut scanner = Scanner::new(0);
        let mut out = Vec::new();
        let bytes = input.as_bytes();
        for end in (chunk..bytes.len() + chunk).step_by(chunk) {
            let avail = &bytes[..end.min(bytes.len())];
            while let Some((item, range)) = scanner.scan(avail, limits)? {
                out.push((item, String::from_utf8_lossy(&avail[range]).into_owned()));
            }
        }
        Ok(out)
    }

    /// The outcome of scanning `input` byte by byte: an error condition or the item count.
    fn outcome(input: &str, limits: &Limits) -> String {
        match items(input, 1, limits) {
            Ok(v) => v.len().to_string(),
            Err(e) => e.condition().to_owned(),
        }
    }

    #[test]
    fn delimits_items_for_any_chunk_size() {
        let stanza = "<a x=\"1>\" y='/'><b/><![CDATA[</a>]]]>]]><c>t</c></a>";
        let input = format!("<?xml version='1.0'?> {HEADER}\n {stanza} <d/>\t</stream:stream>");
        let header = Item::Header {
            self_closing: false,
        };
        let expected = vec![
            (Item::Decl, "<?xml version='1.0'?>".to_owned()),
            (header, HEADER.to_owned()),
            (Item::Stanza, stanza.to_owned()),
            (Item::Stanza, "<d/>".to_owned()),
            (Item::EndTag, "</stream:stream>".to_owned()),
        ];
        for chunk in 1..input.len() {
            let got = items(&input, chunk, &Limits::default());
            assert_eq!(got, Ok(expected.clone()), "chunk {chunk}");
        }
        let got = items("<s/>", 1, &Limits::default());
        let header = Item::Header { self_closing: true };
        assert_eq!(got, Ok(vec![(header, "<s/>".to_owned())]));
    }

    #[test]
    fn size_limit_counts_from_item_start_while_scanning() {
        let limits = Limits {
            max_stanza_bytes: 12,
            ..Limits::default()
        };
        assert_eq!(
            items("<h>          <a>12345</a>", 3, &limits).map(|v| v.len()),
            Ok(2)
        );
        assert_eq!(outcome("<h><a>123456</a>", &limits), "policy-violation");
        let unterminated = "<h><a x='".to_owned() + &"y".repeat(100);
        let got = items(&unterminated, 7, &limits);
        assert!(matches!(got, Err(XmlError::PolicyViolation(_))));
        assert_eq!(outcome(HEADER, &limits), "policy-violation");
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert_eq!(
            outcome(&format!("{HEADER}<a><b><c/></b></a>"), &limits),
            "2"
        );
        assert_eq!(
            outcome(&format!("{HEADER}<a><b><c><d>"), &limits),
            "policy-violation"
        );
    }

    #[test]
    fn rejects_forbidden_markup() {
        let l = Limits::default();
        let restricted = [
            "<!DOCTYPE x>".to_owned(),
            "<!-- hi -->".to_owned(),
            format!("{HEADER}<!-- c -->"),
            format!("{HEADER}<a><!-- c --></a>"),
            format!("{HEADER}<a><?pi x?></a>"),
            format!("{HEADER}<?xml version='1.0'?>"),
            "<?xml version='1.0'?><?xml version='1.0'?>".to_owned(),
        ];
        for input in &restricted {
            assert_eq!(outcome(input, &l), "restricted-xml", "{input}");
        }
        let not_well_formed = [
            "hello".to_owned(),
            format!("{HEADER} x"),
            format!("{HEADER}<![CDATA[x]]>"),
            format!("{HEADER}<a><![CDATX[</a>"),
            format!("{HEADER}< a/>"),
            format!("{HEADER}<a b='<'/>"),
            format!("{HEADER}<a <b/>"),
            format!("{HEADER}<a></a b='x'>"),
        ];
        for input in &not_well_formed {
            assert_eq!(outcome(input, &l), "not-well-formed", "{input}");
        }
    }

    #[test]
    fn consumed_and_shift_track_item_start() {
        let mut s = Scanner::new(0);
        assert_eq!(s.scan(b"  <a x='1'", &Limits::default()), Ok(None));
        assert_eq!(s.consumed(), 2);
        s.shift(2);
        assert_eq!(s.consumed(), 0);
        let header = Item::Header {
            self_closing: false,
        };
        assert_eq!(
            s.scan(b"<a x='1'>", &Limits::default()),
            Ok(Some((header, 0..9)))
        );
    }
}
