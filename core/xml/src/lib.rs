//! Impetus XML layer: an incremental, limit-enforcing reader for XMPP streams that yields the
//! stream header and one owned [`Element`] tree per stanza, plus canonical serialisation.
//!
//! Pure: no I/O. Never panics on input. Restricted XML (RFC 6120 §11.1) is enforced: no DTDs,
//! comments, processing instructions (except a leading XML declaration) or entities other than
//! the five predefined ones and character references.

mod decode;
mod element;
mod error;
mod header;
mod limits;
mod reader;
mod scanner;
mod stanza;
mod tag;
mod write;

pub use element::{Element, Node};
pub use error::XmlError;
pub use header::{STREAMS_NS, StreamHeader};
pub use limits::Limits;
pub use reader::{StreamEvent, StreamReader};
pub use write::escape_attr;
