//! XMPP protocol types for the Impetus server: JIDs, stanza helpers, stream and stanza errors,
//! and the server side of the SASL mechanisms. Pure: no I/O, no async, and no panics on any
//! input.
//!
//! # Layout
//!
//! - [`ns`]: namespace constants.
//! - [`jid`]: [`Jid`] parsing and normalisation (RFC 7622, PRECIS + IDNA).
//! - [`stanza`]: recognising message/presence/iq, their `type` enums, `iq_result`.
//! - [`stanza_error`]: [`StanzaError`] (RFC 6120 §8.3) and [`error_reply`].
//! - [`mod@stream_error`]: [`StreamErrorCondition`] (RFC 6120 §4.9) and [`stream_error()`].
//! - [`sasl`]: [`SaslFailure`](sasl::SaslFailure) and `failure_element`, then one module per
//!   mechanism: [`sasl::plain`] (RFC 4616), [`sasl::scram`] (RFC 5802/7677, with `-PLUS`
//!   channel binding), [`sasl::digest_md5`] (RFC 2831), and [`sasl::stored`], the text format
//!   of hashed and cleartext secrets in password files and the store.

pub mod jid;
pub mod ns;
pub mod sasl;
pub mod stanza;
pub mod stanza_error;
pub mod stream_error;

pub use jid::{Jid, JidError};
pub use stanza_error::{ErrorType, StanzaError, StanzaErrorCondition, error_reply};
pub use stream_error::{StreamErrorCondition, stream_error};
