//! Malformed client streams over raw sockets: each is answered with the RFC 6120 stream error
//! its fault calls for (the exact condition element, inside `<stream:error>`, followed by
//! `</stream:stream>` and the connection closing), while another client's bound session on the
//! same server keeps working. Also the SASL and stanza errors that must NOT end the stream.

use std::time::{Duration, Instant};

use impetus_tests::{RawClient, Server, config, free_ports, plain_listen};

/// A client stream header for `localhost`, with the XML declaration.
const HEADER: &str = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

/// A server with a plaintext raw-test listener (stanzas up to 1024 bytes, nesting up to 8, SASL
/// without TLS) and a witness: alice's bound session that must survive every other client's
/// misbehaviour.
struct Fixture {
    _server: Server,
    port: u16,
    witness: RawClient,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_listens(|_| String::new())
    }

    /// Like [`Fixture::new`], plus the Listen scopes `extra(port)` returns for a second free port.
    fn with_listens(extra: impl FnOnce(u16) -> String) -> Fixture {
        let [tls_port, port, extra_port] = free_ports();
        let extra = extra(extra_port);
        let listens = plain_listen(port, "max_stanza_size = 1024 max_stanza_depth = 8") + &extra;
        let mut server = Server::start(&config(tls_port, &listens, ""), tls_port);
        server.wait_for_port(port);
        if !extra.is_empty() {
            server.wait_for_port(extra_port);
        }
        RawClient::create_account(port, "alice", "secret");
        let witness = RawClient::login(port, "alice", "secret", "witness");
        Fixture {
            _server: server,
            port,
            witness,
        }
    }

    /// Sends `chunks` on a new connection, asserts the stream error `condition` (preceded by
    /// the server's stream header, as RFC 6120 §4.9.1.2 requires even before a valid header
    /// arrived), then checks that the witness still gets ping results.
    fn rejects(&mut self, chunks: &[&[u8]], condition: &str) -> String {
        let mut bad = RawClient::local(self.port);
        for chunk in chunks {
            bad.send_bytes(chunk);
        }
        let received = bad.expect_stream_error(condition);
        let header = received.find("<stream:stream").expect("a stream header");
        assert!(header < received.find("<stream:error>").unwrap_or(0));
        self.witness.assert_ping(&format!("after-{condition}"));
        received
    }

    /// A stream header with `from` replaced by `to`.
    fn header_with(from: &str, to: &str) -> String {
        assert!(HEADER.contains(from));
        HEADER.replacen(from, to, 1)
    }
}

/// A stanza whose end tags do not match its start tags is `not-well-formed` (RFC 6120 §4.9.3.13).
#[test]
fn mismatched_tags_are_not_well_formed() {
    Fixture::new().rejects(
        &[HEADER.as_bytes(), b"<message><body>hi</message></body>"],
        "not-well-formed",
    );
}

/// A DOCTYPE before the stream header is `restricted-xml` (RFC 6120 §11.1, §4.9.3.18).
#[test]
fn doctype_is_restricted_xml() {
    let input = Fixture::header_with(
        "<?xml version='1.0'?>",
        "<?xml version='1.0'?><!DOCTYPE stream>",
    );
    Fixture::new().rejects(&[input.as_bytes()], "restricted-xml");
}

/// An XML comment inside the stream is `restricted-xml` (RFC 6120 §11.1).
#[test]
fn comment_is_restricted_xml() {
    Fixture::new().rejects(&[HEADER.as_bytes(), b"<!-- hello -->"], "restricted-xml");
}

/// A processing instruction after the header is `restricted-xml` (RFC 6120 §11.1).
#[test]
fn processing_instruction_is_restricted_xml() {
    Fixture::new().rejects(&[HEADER.as_bytes(), b"<?evil data?>"], "restricted-xml");
}

/// An entity reference other than the five predefined ones is `restricted-xml` (RFC 6120 §11.1).
#[test]
fn unknown_entity_is_restricted_xml() {
    Fixture::new().rejects(
        &[
            HEADER.as_bytes(),
            b"<message><body>&custom;</body></message>",
        ],
        "restricted-xml",
    );
}

/// A stream root outside `http://etherx.jabber.org/streams` is `invalid-namespace`
/// (RFC 6120 §4.9.3.10).
#[test]
fn wrong_stream_namespace_is_invalid_namespace() {
    let input = Fixture::header_with(
        "xmlns:stream='http://etherx.jabber.org/streams'",
        "xmlns:stream='http://wrong.example/streams'",
    );
    Fixture::new().rejects(&[input.as_bytes()], "invalid-namespace");
}

/// A default namespace other than `jabber:client`/`jabber:server` is `invalid-namespace`
/// (RFC 6120 §4.9.3.10).
#[test]
fn wrong_default_namespace_is_invalid_namespace() {
    let input = Fixture::header_with("xmlns='jabber:client'", "xmlns='jabber:wrong'");
    Fixture::new().rejects(&[input.as_bytes()], "invalid-namespace");
}

/// A `to` domain the server does not host is `host-unknown` (RFC 6120 §4.9.3.6).
#[test]
fn unhosted_domain_is_host_unknown() {
    let input = Fixture::header_with("to='localhost'", "to='nowhere.example'");
    Fixture::new().rejects(&[input.as_bytes()], "host-unknown");
}

/// A stream header asking for XMPP 0.9 is `unsupported-version` (RFC 6120 §4.9.3.25).
#[test]
fn old_version_is_unsupported_version() {
    let input = Fixture::header_with("version='1.0' xmlns", "version='0.9' xmlns");
    Fixture::new().rejects(&[input.as_bytes()], "unsupported-version");
}

/// A header without `version` means a pre-1.0 client (RFC 6120 §4.7.5): `unsupported-version`.
#[test]
fn missing_version_is_unsupported_version() {
    let input = Fixture::header_with(" version='1.0' xmlns", " xmlns");
    Fixture::new().rejects(&[input.as_bytes()], "unsupported-version");
}

/// A stanza using a prefix no `xmlns:` declaration binds is `bad-namespace-prefix`
/// (RFC 6120 §4.9.3.2).
#[test]
fn unbound_stanza_prefix_is_bad_namespace_prefix() {
    Fixture::new().rejects(
        &[HEADER.as_bytes(), b"<x:message xmlns='jabber:client'/>"],
        "bad-namespace-prefix",
    );
}

/// A header using `stream:` without binding it is `bad-namespace-prefix` (the RFC 6120
/// §4.9.3.2 example).
#[test]
fn unbound_stream_prefix_is_bad_namespace_prefix() {
    let input = Fixture::header_with(" xmlns:stream='http://etherx.jabber.org/streams'", "");
    Fixture::new().rejects(&[input.as_bytes()], "bad-namespace-prefix");
}

/// A stanza larger than `max_stanza_size` (1024 here) is a `policy-violation` (RFC 6120 §4.9.3.14).
#[test]
fn oversized_stanza_is_policy_violation() {
    let stanza = format!("<message><body>{}</body></message>", "a".repeat(3000));
    let received =
        Fixture::new().rejects(&[HEADER.as_bytes(), stanza.as_bytes()], "policy-violation");
    assert!(
        received.contains("1024"),
        "the text should name the limit: {received}"
    );
}

/// Nesting deeper than `max_stanza_depth` (8 here) is a `policy-violation` (RFC 6120 §4.9.3.14).
#[test]
fn deep_nesting_is_policy_violation() {
    let stanza = format!(
        "<message>{}{}</message>",
        "<x>".repeat(20),
        "</x>".repeat(20)
    );
    Fixture::new().rejects(&[HEADER.as_bytes(), stanza.as_bytes()], "policy-violation");
}

/// A message before authentication is `not-authorized` (RFC 6120 §4.9.3.12).
#[test]
fn message_before_authentication_is_not_authorized() {
    Fixture::new().rejects(
        &[
            HEADER.as_bytes(),
            b"<message to='alice@localhost'><body>hi</body></message>",
        ],
        "not-authorized",
    );
}

/// Bytes that are not UTF-8 are `unsupported-encoding` (RFC 6120 §11.6, §4.9.3.22).
#[test]
fn invalid_utf8_is_unsupported_encoding() {
    Fixture::new().rejects(
        &[
            HEADER.as_bytes(),
            b"<message><body>\xff\xfe\xc3</body></message>",
        ],
        "unsupported-encoding",
    );
}

/// An XML declaration naming another encoding is `unsupported-encoding` (RFC 6120 §11.6).
#[test]
fn declared_latin1_is_unsupported_encoding() {
    let input = Fixture::header_with(
        "<?xml version='1.0'?>",
        "<?xml version='1.0' encoding='ISO-8859-1'?>",
    );
    Fixture::new().rejects(&[input.as_bytes()], "unsupported-encoding");
}

/// After binding, a top-level element that is not message/presence/iq is
/// `unsupported-stanza-type` (RFC 6120 §4.9.3.24).
#[test]
fn unknown_top_level_element_is_unsupported_stanza_type() {
    let mut fixture = Fixture::new();
    let mut bad = RawClient::login(fixture.port, "alice", "secret", "bad");
    bad.send("<note xmlns='jabber:client'>hello</note>");
    bad.expect_stream_error("unsupported-stanza-type");
    fixture.witness.assert_ping("after-unsupported-stanza-type");
}

/// A silent stream on a Listen with `idle_time = 1` ends with `connection-timeout`
/// (RFC 6120 §4.9.3.4) after about a second, not before.
#[test]
fn idle_stream_gets_connection_timeout() {
    let mut idle_port = 0;
    let mut fixture = Fixture::with_listens(|port| {
        idle_port = port;
        plain_listen(port, "idle_time = 1")
    });
    let mut idle = RawClient::local(idle_port);
    let started = Instant::now();
    idle.open();
    idle.expect_stream_error("connection-timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
    fixture.witness.assert_ping("after-connection-timeout");
}

/// Binding a full JID that is already bound replaces the older session, which gets
/// `<conflict/>` (RFC 6120 §7.7.2.2, §4.9.3.3); the newer session works.
#[test]
fn second_bind_of_the_same_full_jid_kicks_the_first() {
    let mut fixture = Fixture::new();
    let mut first = RawClient::login(fixture.port, "alice", "secret", "phone");
    first.assert_ping("first-before");
    let mut second = RawClient::login(fixture.port, "alice", "secret", "phone");
    first.expect_stream_error("conflict");
    second.assert_ping("second-after");
    fixture.witness.assert_ping("after-conflict");
}

/// An unknown SASL mechanism gets `<failure><invalid-mechanism/></failure>` (RFC 6120 §6.5.4)
/// and the stream stays open: the same stream then authenticates with PLAIN and binds.
#[test]
fn unknown_sasl_mechanism_fails_without_closing_the_stream() {
    let mut fixture = Fixture::new();
    let mut client = RawClient::local(fixture.port);
    client.start();
    client.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='NOPE'/>");
    let reply = client.read_until("</failure>", Duration::from_secs(5));
    assert!(
        reply.contains(
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><invalid-mechanism/></failure>"
        ),
        "{reply}"
    );
    assert!(!reply.contains("<stream:error>"), "{reply}");
    assert!(!client.closed_within(Duration::from_millis(500)));
    client.take();
    client.authenticate("alice", "secret");
    assert_eq!(client.bind("retry"), "alice@localhost/retry");
    client.assert_ping("after-retry");
    fixture.witness.assert_ping("after-invalid-mechanism");
}

/// An iq whose `to` is not a valid JID gets a `jid-malformed` stanza error of type `modify`
/// (RFC 6120 §8.3.3.8) and the session continues.
#[test]
fn malformed_to_jid_gets_jid_malformed() {
    let mut fixture = Fixture::new();
    let witness = &mut fixture.witness;
    witness.send("<iq type='get' id='bad-to' to='a@b@c'><ping xmlns='urn:xmpp:ping'/></iq>");
    let reply = witness.iq_reply("bad-to").replace('"', "'");
    assert!(reply.contains("type='error'"), "{reply}");
    assert!(
        reply.contains(
            "<error type='modify'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        ),
        "{reply}"
    );
    witness.assert_ping("after-jid-malformed");
}
