//! XEP-0199: XMPP Ping, answered by the server for its domain.

use std::sync::Arc;

use impetus_xmpp_proto::ns;

use super::{IqHandler, IqTarget};

/// The ping handler: an empty result.
pub fn handler() -> IqHandler {
    IqHandler {
        namespace: ns::PING,
        target: IqTarget::Server,
        handle: Arc::new(|_| Ok(None)),
    }
}
