//! Stream headers and features (RFC 6120 §4.3 and §4.7): what the server writes at the start
//! of every (re)started stream and how it checks the client's header.

use impetus_xml::StreamHeader;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

/// The server's response header, opening a client stream from `domain` with `id`.
pub fn header(domain: &str, id: &str, default_ns: &str) -> String {
    let mut from = String::new();
    impetus_xml::escape_attr(domain, &mut from);
    format!(
        "<?xml version='1.0'?><stream:stream xmlns=\"{default_ns}\" xmlns:stream=\"{}\" id=\"{id}\" from=\"{from}\" version=\"1.0\" xml:lang=\"en\">",
        ns::STREAMS
    )
}

/// What a valid header asked for.
pub struct OpenRequest {
    /// The `to` domain.
    pub to: Option<String>,
    /// `jabber:client` or `jabber:server`.
    pub default_ns: String,
}

/// Checks a client's stream header (RFC 6120 §4.7, §4.8, §4.9.3).
pub fn check_header(
    header: &StreamHeader,
) -> Result<OpenRequest, (StreamErrorCondition, &'static str)> {
    if header.name != "stream" || header.ns != ns::STREAMS {
        return Err((
            StreamErrorCondition::InvalidNamespace,
            "the stream root must be stream:stream in http://etherx.jabber.org/streams",
        ));
    }
    let default_ns = header.default_ns.clone().unwrap_or_default();
    if default_ns != ns::CLIENT && default_ns != ns::SERVER {
        return Err((
            StreamErrorCondition::InvalidNamespace,
            "the default namespace must be jabber:client or jabber:server",
        ));
    }
    let version = header
        .attrs
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str());
    match version
        .and_then(|v| v.split_once('.'))
        .and_then(|(major, _)| major.parse::<u32>().ok())
    {
        Some(1) => {}
        _ => {
            return Err((
                StreamErrorCondition::UnsupportedVersion,
                "this server speaks XMPP 1.0 streams only",
            ));
        }
    }
    let to = header
        .attrs
        .iter()
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.trim_end_matches('.').to_ascii_lowercase());
    Ok(OpenRequest { to, default_ns })
}
