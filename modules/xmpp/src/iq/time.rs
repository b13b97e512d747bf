//! XEP-0202: Entity Time of the server (always reported in UTC).

use std::sync::Arc;

use impetus_xml::Element;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition};

use super::{IqHandler, IqTarget};
use crate::clock::now_xep0082;

/// Answers `urn:xmpp:time` gets.
pub fn handler() -> IqHandler {
    IqHandler {
        namespace: ns::TIME,
        target: IqTarget::Server,
        handle: Arc::new(|request| {
            if request.set {
                return Err(StanzaError::new(StanzaErrorCondition::BadRequest));
            }
            Ok(Some(
                Element::new("time", ns::TIME)
                    .with_child(Element::new("tzo", ns::TIME).with_text("+00:00"))
                    .with_child(Element::new("utc", ns::TIME).with_text(&now_xep0082())),
            ))
        }),
    }
}
