//! XEP-0030: Service Discovery of the server. Features are what modules registered through
//! `Registrar::feature`, so the list is truthful by construction.

use std::sync::Arc;

use impetus_xml::Element;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition};

use super::{IqHandler, IqTarget, get_only};

/// `disco#info` on the server: identity server/im and the registered features.
pub fn info_handler() -> IqHandler {
    IqHandler {
        namespace: ns::DISCO_INFO,
        target: IqTarget::Server,
        handle: Arc::new(|request| {
            if request.set || request.payload.attr("node").is_some() {
                return Err(StanzaError::new(StanzaErrorCondition::ItemNotFound));
            }
            let mut query = Element::new("query", ns::DISCO_INFO).with_child(
                Element::new("identity", ns::DISCO_INFO)
                    .with_attr("category", "server")
                    .with_attr("type", "im")
                    .with_attr("name", "Impetus"),
            );
            for feature in request.generation.features() {
                query.push_child(
                    Element::new("feature", ns::DISCO_INFO).with_attr("var", feature.as_str()),
                );
            }
            Ok(Some(query))
        }),
    }
}

/// `disco#items` on the server: no items until components (MUC, upload) exist.
pub fn items_handler() -> IqHandler {
    get_only(ns::DISCO_ITEMS, || Element::new("query", ns::DISCO_ITEMS))
}
