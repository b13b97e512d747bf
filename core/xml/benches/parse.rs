//! Benchmarks of the XML hot path: the stream reader on typical client traffic (MB/s and
//! stanzas/s, fed in socket-sized chunks) and stanza serialisation. Run with `cargo bench -p
//! impetus-xml`.

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use impetus_xml::{Element, StreamEvent, StreamReader};

fn main() {
    divan::main();
}

/// Stanzas per benchmark iteration.
const STANZAS: usize = 1000;

/// Bytes handed to the reader at a time (a typical socket read).
const CHUNK: usize = 4096;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";

/// One stanza of the given kind, numbered `i`.
fn stanza(kind: &str, i: usize) -> String {
    match kind {
        "message" => format!(
            "<message to='juliet@example.com/balcony' from='romeo@example.net/orchard' \
             type='chat' id='m{i}'><body>Art thou not Romeo, and a Montague? {i}</body>\
             <active xmlns='http://jabber.org/protocol/chatstates'/></message>"
        ),
        "presence" => format!(
            "<presence from='romeo@example.net/orchard' id='p{i}'><show>away</show>\
             <status>In the orchard &amp; thinking</status><priority>5</priority>\
             <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' \
             node='https://example.org/client' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>"
        ),
        _ => {
            let items: String = (0..50)
                .map(|n| {
                    format!(
                        "<item jid='contact{n}@example.org' name='Contact {n}' \
                         subscription='both'><group>Friends</group></item>"
                    )
                })
                .collect();
            format!(
                "<iq type='result' id='r{i}'><query xmlns='jabber:iq:roster' ver='v{i}'>{items}</query></iq>"
            )
        }
    }
}

fn stream(kind: &str) -> String {
    let mut text = String::from(HEADER);
    for i in 0..STANZAS {
        text.push_str(&stanza(kind, i));
    }
    text
}

/// Parses a whole stream fed in chunks; returns the number of stanzas.
fn parse_all(text: &[u8]) -> usize {
    let mut reader = StreamReader::default();
    let mut count = 0;
    for chunk in text.chunks(CHUNK) {
        reader.feed(chunk);
        while let Ok(Some(event)) = reader.next() {
            if let StreamEvent::Stanza(e) = event {
                count += 1;
                divan::black_box(e);
            }
        }
    }
    count
}

#[divan::bench(args = ["message", "presence", "roster"])]
fn read_stream(bencher: Bencher, kind: &str) {
    let text = stream(kind);
    assert_eq!(parse_all(text.as_bytes()), STANZAS);
    bencher
        .counter(BytesCount::of_str(&text))
        .counter(ItemsCount::new(STANZAS))
        .bench(|| parse_all(divan::black_box(text.as_bytes())));
}

#[divan::bench(args = ["message", "presence", "roster"])]
fn serialise(bencher: Bencher, kind: &str) {
    let mut reader = StreamReader::default();
    reader.feed(format!("{HEADER}{}", stanza(kind, 1)).as_bytes());
    let mut element = Element::default();
    while let Ok(Some(event)) = reader.next() {
        if let StreamEvent::Stanza(e) = event {
            element = e;
        }
    }
    let len = element.to_string_in("jabber:client").len();
    bencher
        .counter(BytesCount::new(len))
        .bench(|| divan::black_box(&element).to_string_in("jabber:client"));
}
