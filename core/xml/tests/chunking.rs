//! Every chunking of the same input must produce exactly the same events (and errors).

mod common;

use common::{header, run};
use impetus_xml::{Limits, STREAMS_NS, StreamEvent, XmlError};

fn stream() -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n{}\n\
         <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>\n\
         <message from='juliet@example.com/balcony' to='romeo@example.net' type=\"chat\" id='m1'>\
         <body>Wherefore art thou, Romeo? &lt;3 &#x2764; ünïcödé 😀</body><thread>t1</thread>\
         <active xmlns='http://jabber.org/protocol/chatstates'/>\
         <x xmlns='jabber:x:data' type='form'><field var='a&amp;b'><value>1 &gt; 0</value></field></x>\
         <![CDATA[raw <text> & ]] ]]></message>\n \n\t \r\n\
         <presence><show>away</show><status xml:lang='de'>weg</status>\
         <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v=/>'/></presence> \
         <iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>   \
         <db:result from='a.example' to='b.example'>key</db:result>\n\
         <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\n\
         </stream:stream>",
        header("jabber:client")
    )
}

fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

/// Splits `input` into random chunks whose maximum size also varies by seed.
fn random_chunks(input: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let max = [3, 16, 100, 4096][(xorshift(&mut state) % 4) as usize];
    let mut chunks = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = (1 + xorshift(&mut state) % max) as usize;
        let (head, tail) = rest.split_at(n.min(rest.len()));
        chunks.push(head);
        rest = tail;
    }
    chunks
}

/// Asserts that byte-by-byte, every two-piece split and 500 random chunkings all match the
/// single-chunk result, which is returned.
fn assert_chunking_invariant(input: &str) -> (Vec<StreamEvent>, Option<XmlError>) {
    let bytes = input.as_bytes();
    let whole = run(Limits::default(), [bytes]);
    assert_eq!(
        run(Limits::default(), bytes.chunks(1)),
        whole,
        "byte by byte"
    );
    for split in 0..=bytes.len() {
        let (a, b) = bytes.split_at(split);
        assert_eq!(run(Limits::default(), [a, b]), whole, "split at {split}");
    }
    for seed in 0..500 {
        assert_eq!(
            run(Limits::default(), random_chunks(bytes, seed)),
            whole,
            "seed {seed}"
        );
    }
    whole
}

#[test]
fn representative_stream_same_events_for_every_chunking() {
    let (events, err) = assert_chunking_invariant(&stream());
    assert_eq!(err, None);
    assert_eq!(events.len(), 8, "{events:#?}");
    let StreamEvent::Header(h) = &events[0] else {
        panic!("no header first: {events:?}")
    };
    assert_eq!(h.default_ns.as_deref(), Some("jabber:client"));
    let stanzas: Vec<_> = events[1..7]
        .iter()
        .map(|ev| match ev {
            StreamEvent::Stanza(e) => e,
            other => panic!("expected stanza, got {other:?}"),
        })
        .collect();
    assert!(stanzas[0].is("features", STREAMS_NS));
    let msg = stanzas[1];
    assert!(msg.is("message", "jabber:client"));
    assert_eq!(msg.attr("type"), Some("chat"));
    let body = msg.child("body", "jabber:client").map(|b| b.text());
    assert_eq!(
        body.as_deref(),
        Some("Wherefore art thou, Romeo? <3 \u{2764} ünïcödé 😀")
    );
    assert_eq!(msg.text(), "raw <text> & ]] ");
    let x = msg.child("x", "jabber:x:data").expect("data form");
    let field = x.child("field", "jabber:x:data").expect("field");
    assert_eq!(field.attr("var"), Some("a&b"));
    assert_eq!(
        field
            .child("value", "jabber:x:data")
            .map(|v| v.text())
            .as_deref(),
        Some("1 > 0")
    );
    assert!(
        msg.child("active", "http://jabber.org/protocol/chatstates")
            .is_some()
    );
    let caps = stanzas[2]
        .child("c", "http://jabber.org/protocol/caps")
        .expect("caps");
    assert_eq!(caps.attr("ver"), Some("v=/>"));
    assert_eq!(
        stanzas[2]
            .child("status", "jabber:client")
            .and_then(|s| s.attr("xml:lang")),
        Some("de")
    );
    assert!(stanzas[3].is("iq", "jabber:client"));
    assert!(stanzas[4].is("result", "jabber:server:dialback"));
    assert!(stanzas[5].is("error", STREAMS_NS));
    assert_eq!(events[7], StreamEvent::Close);
}

#[test]
fn error_position_independent_of_chunking() {
    let input = format!(
        "{}<presence/><message><body>&nbsp;</body></message><iq/>",
        header("jabber:client")
    );
    let (events, err) = assert_chunking_invariant(&input);
    assert_eq!(events.len(), 2);
    assert!(matches!(err, Some(XmlError::RestrictedXml(_))));
}
