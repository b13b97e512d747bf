//! Stream features other modules add to the features offered after authentication, next to
//! resource binding (for example roster versioning, XEP-0237, and subscription pre-approval,
//! RFC 6121 §3.4, which the roster scriptlet provides).

use impetus_xml::Element;

/// A stream feature element, provided with `Registrar::provide(StreamFeature { .. })`.
#[derive(Debug, Clone)]
pub struct StreamFeature {
    /// The element written into `<stream:features/>`, e.g. `<ver xmlns='urn:xmpp:features:rosterver'/>`.
    pub element: Element,
}
