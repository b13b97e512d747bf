//! Why a connection, login or exchange failed, with a short kind used to count failures.

use crate::sasl::SaslError;

/// A failure of one simulated client.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The TCP connection could not be made.
    #[error("connect: {0}")]
    Connect(std::io::Error),
    /// Reading or writing failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS handshake failed.
    #[error("tls: {0}")]
    Tls(std::io::Error),
    /// The server sent XML the reader refused.
    #[error("xml: {0}")]
    Xml(#[from] impetus_xml::XmlError),
    /// The server closed the stream or the connection.
    #[error("stream closed by the server")]
    Closed,
    /// The server sent a stream error with this condition.
    #[error("stream error: {0}")]
    StreamError(String),
    /// The server answered something this client did not expect.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The server refused authentication with this condition.
    #[error("SASL failure: {0}")]
    SaslFailure(String),
    /// The client-side SASL exchange failed.
    #[error("SASL: {0}")]
    Sasl(#[from] SaslError),
    /// The server does not offer the mechanism asked for.
    #[error("mechanism {0} not offered")]
    MechanismNotOffered(&'static str),
    /// A step did not finish in time.
    #[error("timed out during {0}")]
    Timeout(&'static str),
}

impl BenchError {
    /// A short key to count failures by (no per-connection details).
    pub fn kind(&self) -> String {
        match self {
            BenchError::Connect(e) => format!("connect: {:?}", e.kind()),
            BenchError::Io(e) => format!("io: {:?}", e.kind()),
            BenchError::Tls(_) => "tls".into(),
            BenchError::Xml(_) => "xml".into(),
            BenchError::Closed => "closed".into(),
            BenchError::StreamError(c) => format!("stream-error: {c}"),
            BenchError::Protocol(_) => "protocol".into(),
            BenchError::SaslFailure(c) => format!("sasl-failure: {c}"),
            BenchError::Sasl(_) => "sasl-client".into(),
            BenchError::MechanismNotOffered(m) => format!("mechanism-not-offered: {m}"),
            BenchError::Timeout(step) => format!("timeout: {step}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_drop_details() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            BenchError::Connect(refused).kind(),
            "connect: ConnectionRefused"
        );
        assert_eq!(BenchError::Timeout("bind").kind(), "timeout: bind");
        assert_eq!(BenchError::Protocol("x".into()).kind(), "protocol");
        assert_eq!(
            BenchError::SaslFailure("not-authorized".into()).to_string(),
            "SASL failure: not-authorized"
        );
    }
}
