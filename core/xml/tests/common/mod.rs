//! Helpers shared by the integration tests: drive a reader over chunked input.
#![allow(dead_code)] // each test binary uses a subset

use impetus_xml::{Element, Limits, StreamEvent, StreamReader, XmlError};

/// Header declaring the default namespace `ns` plus the `stream:` and `db:` prefixes.
pub fn header(ns: &str) -> String {
    format!(
        "<stream:stream xmlns='{ns}' xmlns:stream='http://etherx.jabber.org/streams' \
         xmlns:db='jabber:server:dialback' to='example.com' version='1.0' xml:lang='en'>"
    )
}

/// Feeds `chunks` in order, draining events after each one; stops at the first error.
pub fn run<'a>(
    limits: Limits,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<StreamEvent>, Option<XmlError>) {
    let mut reader = StreamReader::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        reader.feed(chunk);
        loop {
            match reader.next() {
                Ok(Some(ev)) => events.push(ev),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

/// Feeds `input` in one piece with default limits.
pub fn run_whole(input: &str) -> (Vec<StreamEvent>, Option<XmlError>) {
    run(Limits::default(), [input.as_bytes()])
}

/// The error the reader reports for `input` (panics if there is none: test helper).
pub fn error_of(input: &[u8]) -> XmlError {
    match run(Limits::default(), [input]) {
        (_, Some(e)) => e,
        (events, None) => panic!("expected an error, got {events:?}"),
    }
}

/// Parses one stanza written inside a stream whose default namespace is `ns`.
pub fn parse_in(ns: &str, stanza: &str) -> Result<Element, XmlError> {
    let (events, err) = run_whole(&format!("{}{stanza}", header(ns)));
    if let Some(e) = err {
        return Err(e);
    }
    match events.into_iter().nth(1) {
        Some(StreamEvent::Stanza(e)) => Ok(e),
        other => panic!("expected a stanza, got {other:?}"),
    }
}
