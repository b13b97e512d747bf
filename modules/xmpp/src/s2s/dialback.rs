//! Server dialback (XEP-0220) keys and elements. The key is XEP-0185's recommendation:
//! HMAC-SHA256 keyed with the hex SHA-256 of the secret, over "receiving originating stream-id",
//! in hex; the elements are written with the `db:` prefix every s2s header declares.

use hmac::{Hmac, KeyInit, Mac};
use impetus_xml::{Element, escape_attr};
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition};
use sha2::{Digest, Sha256};

/// The dialback key the originating server sends for one stream (XEP-0185 §2).
pub fn key(secret: &str, receiving: &str, originating: &str, stream_id: &str) -> String {
    let hashed = hex::encode(Sha256::digest(secret.as_bytes()));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(hashed.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(format!("{receiving} {originating} {stream_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `offered` is the key for these inputs (compared in constant time).
pub fn key_matches(
    secret: &str,
    receiving: &str,
    originating: &str,
    stream_id: &str,
    offered: &str,
) -> bool {
    use subtle::ConstantTimeEq;
    let expected = key(secret, receiving, originating, stream_id);
    expected.as_bytes().ct_eq(offered.trim().as_bytes()).into()
}

/// The outcome carried by a `type` attribute of `<db:result/>` or `<db:verify/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `type='valid'`.
    Valid,
    /// `type='invalid'`.
    Invalid,
    /// `type='error'` with its condition.
    Error(StanzaErrorCondition),
}

/// A dialback element to write: `<db:NAME from to [id] [type]>[key or error]</db:NAME>`.
#[derive(Debug, Clone)]
pub struct DbElement<'a> {
    /// `result` or `verify`.
    pub name: &'static str,
    /// The sender's domain.
    pub from: &'a str,
    /// The addressee's domain.
    pub to: &'a str,
    /// The stream id (`db:verify` only).
    pub id: Option<&'a str>,
    /// The key (requests) or the outcome (answers).
    pub body: DbBody<'a>,
}

/// What a dialback element carries.
#[derive(Debug, Clone)]
pub enum DbBody<'a> {
    /// A request with a key.
    Key(&'a str),
    /// An answer.
    Outcome(Outcome),
}

impl DbElement<'_> {
    /// Serialises the element with the `db:` prefix.
    pub fn write(&self) -> String {
        let mut out = format!("<db:{}", self.name);
        for (name, value) in [
            ("from", Some(self.from)),
            ("to", Some(self.to)),
            ("id", self.id),
        ] {
            if let Some(value) = value {
                out.push_str(&format!(" {name}=\""));
                escape_attr(value, &mut out);
                out.push('"');
            }
        }
        let body = match &self.body {
            DbBody::Key(key) => {
                let mut text = String::new();
                escape_attr(key, &mut text);
                text
            }
            DbBody::Outcome(Outcome::Valid) => return out + " type=\"valid\"/>",
            DbBody::Outcome(Outcome::Invalid) => return out + " type=\"invalid\"/>",
            DbBody::Outcome(Outcome::Error(condition)) => {
                out.push_str(" type=\"error\"");
                StanzaError::new(*condition)
                    .to_element(ns::SERVER)
                    .to_string_in(ns::SERVER)
            }
        };
        format!("{out}>{body}</db:{}>", self.name)
    }
}

/// The outcome an answer element carries; `None` for a request (no `type`) or an unknown type.
pub fn outcome(element: &Element) -> Option<Outcome> {
    match element.attr("type")? {
        "valid" => Some(Outcome::Valid),
        "invalid" => Some(Outcome::Invalid),
        "error" => Some(Outcome::Error(
            element
                .elements()
                .filter(|e| e.name == "error")
                .flat_map(Element::elements)
                .filter(|e| e.ns == ns::STANZAS)
                .find_map(|e| StanzaErrorCondition::from_name(&e.name))
                .unwrap_or(StanzaErrorCondition::UndefinedCondition),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xml::{Limits, StreamEvent, StreamReader};

    #[test]
    fn key_follows_the_xep_0185_reference_script() {
        // Inputs of the script on the XEP-0185 wiki page; output computed with Python's hmac.
        assert_eq!(
            key(
                "s3cr3tf0rd14lb4ck",
                "domain2.tld",
                "domain1.tld",
                "D60000229F"
            ),
            "5e598fae34b90be084fb6a4a8a543ceb33549140bac9d829ef8d734d900616e4"
        );
        let k = key("s", "r.example", "o.example", "id1");
        assert!(key_matches("s", "r.example", "o.example", "id1", &k));
        assert!(!key_matches("s", "r.example", "o.example", "id2", &k));
        assert!(!key_matches("t", "r.example", "o.example", "id1", &k));
        assert!(!key_matches("s", "o.example", "r.example", "id1", &k));
    }

    fn parse(xml: &str) -> Element {
        let mut reader = StreamReader::new(Limits::default());
        reader.feed(
            format!(
                "<stream:stream xmlns='jabber:server' xmlns:stream='{}' xmlns:db='{}'>{xml}",
                ns::STREAMS,
                ns::DIALBACK
            )
            .as_bytes(),
        );
        assert!(matches!(reader.next(), Ok(Some(StreamEvent::Header(_)))));
        match reader.next() {
            Ok(Some(StreamEvent::Stanza(element))) => element,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn elements_round_trip_through_the_stream_reader() {
        let request = DbElement {
            name: "verify",
            from: "r.example",
            to: "o.example",
            id: Some("a<b"),
            body: DbBody::Key("k1"),
        };
        let element = parse(&request.write());
        assert!(element.is("verify", ns::DIALBACK));
        assert_eq!(element.attr("id"), Some("a<b"));
        assert_eq!(element.text(), "k1");
        assert_eq!(outcome(&element), None);

        for answer in [
            Outcome::Valid,
            Outcome::Invalid,
            Outcome::Error(StanzaErrorCondition::ItemNotFound),
        ] {
            let written = DbElement {
                name: "result",
                from: "r.example",
                to: "o.example",
                id: None,
                body: DbBody::Outcome(answer.clone()),
            }
            .write();
            let element = parse(&written);
            assert!(element.is("result", ns::DIALBACK), "{written}");
            assert_eq!(outcome(&element), Some(answer), "{written}");
        }
    }
}
