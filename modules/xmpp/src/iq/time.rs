//! XEP-0202: Entity Time of the server (always reported in UTC).

use impetus_xml::Element;
use impetus_xmpp_proto::ns;

use super::{IqHandler, get_only};
use crate::clock::now_xep0082;

/// Answers `urn:xmpp:time` gets.
pub fn handler() -> IqHandler {
    get_only(ns::TIME, || {
        Element::new("time", ns::TIME)
            .with_child(Element::new("tzo", ns::TIME).with_text("+00:00"))
            .with_child(Element::new("utc", ns::TIME).with_text(&now_xep0082()))
    })
}
