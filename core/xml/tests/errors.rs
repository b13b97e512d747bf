//! One test per error kind, each checking the variant and its RFC 6120 condition name.

mod common;

use common::{error_of, header, run};
use impetus_xml::{Limits, StreamEvent, XmlError};

fn in_stream(body: &str) -> Vec<u8> {
    format!("{}{body}", header("jabber:client")).into_bytes()
}

#[test]
fn doctype_is_restricted() {
    let e = error_of(b"<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x 'y'>]>");
    assert!(matches!(e, XmlError::RestrictedXml(_)), "{e:?}");
    assert_eq!(e.condition(), "restricted-xml");
}

#[test]
fn comment_is_restricted() {
    let e = error_of(&in_stream(
        "<message><body>hi</body><!-- sneaky --></message>",
    ));
    assert!(matches!(e, XmlError::RestrictedXml(_)), "{e:?}");
    assert!(matches!(
        error_of(&in_stream("<!-- between stanzas -->")),
        XmlError::RestrictedXml(_)
    ));
}

#[test]
fn processing_instruction_is_restricted_except_leading_declaration() {
    let e = error_of(&in_stream("<?xml version='1.0'?>"));
    assert!(matches!(e, XmlError::RestrictedXml(_)), "{e:?}");
    assert!(matches!(
        error_of(&in_stream("<iq><?php x?></iq>")),
        XmlError::RestrictedXml(_)
    ));
    assert!(matches!(
        error_of(b"<?xml-stylesheet href='x'?>"),
        XmlError::RestrictedXml(_)
    ));
    let ok = run(
        Limits::default(),
        [b"\n<?xml version='1.0'?>".as_slice(), &in_stream("<iq/>")],
    );
    assert_eq!((ok.0.len(), ok.1), (2, None));
}

#[test]
fn unknown_entity_is_restricted() {
    let e = error_of(&in_stream("<message><body>&nbsp;</body></message>"));
    assert!(matches!(e, XmlError::RestrictedXml(_)), "{e:?}");
    assert!(matches!(
        error_of(&in_stream("<message to='&ent;'/>")),
        XmlError::RestrictedXml(_)
    ));
}

#[test]
fn invalid_char_ref_is_not_well_formed() {
    let e = error_of(&in_stream("<message><body>&#x1;</body></message>"));
    assert!(matches!(e, XmlError::NotWellFormed(_)), "{e:?}");
}

#[test]
fn unbound_prefix() {
    let e = error_of(&in_stream("<foo:message/>"));
    assert!(matches!(e, XmlError::BadNamespacePrefix(_)), "{e:?}");
    assert_eq!(e.condition(), "bad-namespace-prefix");
    assert!(matches!(
        error_of(&in_stream("<message bar:x='1'/>")),
        XmlError::BadNamespacePrefix(_)
    ));
}

#[test]
fn wrong_stream_namespace() {
    let e = error_of(
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://wrong.example/streams'>",
    );
    assert!(matches!(e, XmlError::InvalidNamespace(_)), "{e:?}");
    assert_eq!(e.condition(), "invalid-namespace");
}

#[test]
fn huge_unterminated_attribute_stops_at_the_limit() {
    let limits = Limits::default();
    let mut reader = impetus_xml::StreamReader::new(limits.clone());
    reader.feed(&in_stream("<message to='"));
    assert!(matches!(reader.next(), Ok(Some(StreamEvent::Header(_)))));
    let chunk = vec![b'a'; 64 * 1024];
    let mut fed = 0usize;
    let err = loop {
        assert!(fed < 10 * 1024 * 1024, "no error after {fed} bytes");
        reader.feed(&chunk);
        fed += chunk.len();
        match reader.next() {
            Ok(None) => continue,
            Ok(Some(ev)) => panic!("unexpected event {ev:?}"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, XmlError::PolicyViolation(_)), "{err:?}");
    assert_eq!(err.condition(), "policy-violation");
    assert!(
        fed > limits.max_stanza_bytes - chunk.len(),
        "error came early, at {fed}"
    );
    assert!(
        fed <= limits.max_stanza_bytes + chunk.len(),
        "error came late, at {fed}"
    );
}

#[test]
fn stanza_over_size_limit() {
    let limits = Limits {
        max_stanza_bytes: 300,
        ..Limits::default()
    };
    let body = "x".repeat(300);
    let (events, err) = run(
        limits,
        [in_stream(&format!("<message><body>{body}</body></message>")).as_slice()],
    );
    assert_eq!(events.len(), 1);
    assert!(matches!(err, Some(XmlError::PolicyViolation(_))), "{err:?}");
}

#[test]
fn too_deep() {
    let nest = |n: usize| "<a>".repeat(n) + &"</a>".repeat(n);
    let (events, err) = run(Limits::default(), [in_stream(&nest(64)).as_slice()]);
    assert_eq!((events.len(), err), (2, None));
    let e = error_of(&in_stream(&nest(65)));
    assert!(matches!(e, XmlError::PolicyViolation(_)), "{e:?}");
}

#[test]
fn too_many_attributes() {
    let attrs: String = (0..65).map(|i| format!(" a{i}='v'")).collect();
    let e = error_of(&in_stream(&format!("<message{attrs}/>")));
    assert!(matches!(e, XmlError::PolicyViolation(_)), "{e:?}");
}

#[test]
fn too_many_namespace_bindings() {
    let limits = Limits {
        max_ns_bindings: 4,
        ..Limits::default()
    };
    let decls: String = (0..5).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
    let (_, err) = run(
        limits,
        [in_stream(&format!("<message{decls}/>")).as_slice()],
    );
    assert!(matches!(err, Some(XmlError::PolicyViolation(_))), "{err:?}");
}

#[test]
fn mismatched_tags() {
    let e = error_of(&in_stream("<message><body></message></body>"));
    assert!(matches!(e, XmlError::NotWellFormed(_)), "{e:?}");
    assert_eq!(e.condition(), "not-well-formed");
    assert!(matches!(
        error_of(&in_stream("</stream:streams>")),
        XmlError::NotWellFormed(_)
    ));
}

#[test]
fn text_at_stream_level() {
    let e = error_of(&in_stream("  <presence/> hello <presence/>"));
    assert!(matches!(e, XmlError::NotWellFormed(_)), "{e:?}");
}

#[test]
fn bad_utf8() {
    let mut input = in_stream("<message><body>");
    input.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    input.extend_from_slice(b"</body></message>");
    let e = error_of(&input);
    assert!(matches!(e, XmlError::UnsupportedEncoding(_)), "{e:?}");
    assert_eq!(e.condition(), "unsupported-encoding");
}

#[test]
fn non_utf8_declared_encoding() {
    let e = error_of(b"<?xml version='1.0' encoding='UTF-16'?>");
    assert!(matches!(e, XmlError::UnsupportedEncoding(_)), "{e:?}");
}

#[test]
fn garbage_never_panics() {
    // A cheap fuzz pass: a valid stream with troublesome bytes spliced in at every position;
    // the reader must not panic and must still agree with itself across chunkings.
    let base = in_stream("<message a='1'><b>t&amp;<![CDATA[c]]></b></message></stream:stream>");
    for pos in 0..base.len() {
        for byte in [
            0u8, b'<', b'>', b'&', b'\'', b'"', b'/', b'!', b'?', b':', b']', 0xC3, 0xFF,
        ] {
            let mut input = base.clone();
            input.insert(pos, byte);
            let whole = run(Limits::default(), [input.as_slice()]);
            assert_eq!(
                run(Limits::default(), input.chunks(7)),
                whole,
                "byte {byte} at {pos}"
            );
        }
    }
}
