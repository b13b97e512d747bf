//! XEP-0092: Software Version of the server.

use std::sync::Arc;

use impetus_xml::Element;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition};

use super::{IqHandler, IqTarget};

/// Answers `jabber:iq:version` gets with the server's name and version.
pub fn handler() -> IqHandler {
    IqHandler {
        namespace: ns::VERSION,
        target: IqTarget::Server,
        handle: Arc::new(|request| {
            if request.set {
                return Err(StanzaError::new(StanzaErrorCondition::BadRequest));
            }
            Ok(Some(
                Element::new("query", ns::VERSION)
                    .with_child(Element::new("name", ns::VERSION).with_text("Impetus"))
                    .with_child(
                        Element::new("version", ns::VERSION).with_text(env!("CARGO_PKG_VERSION")),
                    ),
            ))
        }),
    }
}
