//! Serialisation: escaping, minimal namespace declarations and parse(serialise(x)) == x.

mod common;

use common::parse_in;
use impetus_xml::{Element, Node};

const CLIENT: &str = "jabber:client";

fn sample() -> Element {
    Element::new("message", CLIENT)
        .with_attr("to", "romeo@example.net")
        .with_attr("xml:lang", "en")
        .with_attr("weird", "a\"b'c<d>e&f\tg\nh\ri")
        .with_child(
            Element::new("body", CLIENT).with_text("1 < 2 && 3 > 2 ]]> \"q\" 'a'\r\nline ü 😀"),
        )
        .with_child(
            Element::new("x", "jabber:x:data")
                .with_attr("type", "submit")
                .with_child(Element::new("field", "jabber:x:data").with_attr("var", "v"))
                .with_child(Element::new("reset", CLIENT)),
        )
        .with_child(
            Element::new("ext", "urn:ext")
                .with_attr("xmlns:p", "urn:p")
                .with_attr("p:flag", "yes")
                .with_child(Element::new("inner", "urn:p")),
        )
        .with_child(Element::new("empty-ns", ""))
}

#[test]
fn escapes_special_characters() {
    let out = sample().to_string_in(CLIENT);
    assert!(
        out.contains(" weird=\"a&quot;b'c&lt;d&gt;e&amp;f&#x9;g&#xA;h&#xD;i\""),
        "{out}"
    );
    assert!(
        out.contains("<body>1 &lt; 2 &amp;&amp; 3 &gt; 2 ]]&gt; \"q\" 'a'&#xD;\nline ü 😀</body>"),
        "{out}"
    );
}

#[test]
fn namespace_declared_only_where_needed() {
    let out = sample().to_string_in(CLIENT);
    assert!(out.starts_with("<message to="), "{out}");
    assert!(out.contains("<body>"), "{out}");
    assert!(
        out.contains("<x xmlns=\"jabber:x:data\" type=\"submit\"><field var=\"v\"/>"),
        "{out}"
    );
    assert!(out.contains("<reset xmlns=\"jabber:client\"/>"), "{out}");
    assert!(out.contains("<inner xmlns=\"urn:p\"/>"), "{out}");
    assert!(out.contains("<empty-ns xmlns=\"\"/>"), "{out}");
    assert_eq!(out.matches("xmlns=").count(), 5, "{out}");
    assert!(
        sample()
            .to_string_in("jabber:server")
            .starts_with("<message xmlns=\"jabber:client\" to=")
    );
}

#[test]
fn parse_of_serialised_equals_original() {
    let original = sample();
    for stream_ns in [CLIENT, "jabber:server"] {
        let text = original.to_string_in(stream_ns);
        assert_eq!(parse_in(stream_ns, &text), Ok(original.clone()), "{text}");
    }
}

#[test]
fn serialise_of_parsed_is_stable() {
    let inputs = [
        "<message type='chat'><body>a &amp; b &#x263A; <![CDATA[<x>]]></body>\
         <html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>\
         <p style='font-weight:bold'>hi</p></body></html></message>",
        "<iq type='result' id='1'><query xmlns='jabber:iq:roster' ver='3'>\
         <item jid='a@b' name='A &quot;B&quot;' subscription='both'><group>Friends</group></item></query></iq>",
        "<presence xml:lang='fr'><status>  spaced\r\n  out  </status></presence>",
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    ];
    for input in inputs {
        let parsed = parse_in(CLIENT, input).expect(input);
        let text = parsed.to_string_in(CLIENT);
        assert_eq!(parse_in(CLIENT, &text).as_ref(), Ok(&parsed), "{text}");
        assert_eq!(
            parse_in(CLIENT, &text).map(|e| e.to_string_in(CLIENT)),
            Ok(text.clone())
        );
    }
    let status = parse_in(CLIENT, inputs[2]).expect("presence");
    let text = status.elements().next().map(|s| s.children.clone());
    assert_eq!(text, Some(vec![Node::Text("  spaced\n  out  ".into())]));
}
