//! XEP-0092: Software Version of the server.

use impetus_xml::Element;
use impetus_xmpp_proto::ns;

use super::{IqHandler, get_only};

/// Answers `jabber:iq:version` gets with the server's name and version.
pub fn handler() -> IqHandler {
    get_only(ns::VERSION, || {
        Element::new("query", ns::VERSION)
            .with_child(Element::new("name", ns::VERSION).with_text("Impetus"))
            .with_child(Element::new("version", ns::VERSION).with_text(env!("CARGO_PKG_VERSION")))
    })
}
