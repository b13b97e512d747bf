//! One s2s XML stream over any byte stream: read events, write text, upgrade to TLS (either
//! side), and the `jabber:server` header both sides write. Negotiation code on top of it reads
//! as a straight sequence of awaits.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use impetus_xml::{Limits, StreamEvent, StreamReader, XmlError, escape_attr};
use impetus_xmpp_proto::ns;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Any byte stream a session can run over (TCP, Unix socket, TLS, SOCKS tunnel).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why reading an event failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The peer closed the connection.
    #[error("the connection was closed")]
    Closed,
    /// A socket error.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer sent bad XML (or broke a limit).
    #[error("{0}")]
    Xml(#[from] XmlError),
}

/// An XML stream with its transport facts.
pub struct XmlStream {
    io: Box<dyn Io>,
    reader: StreamReader,
    limits: Limits,
    buffer: Box<[u8]>,
    /// Whether TLS is established.
    pub tls: bool,
    /// The certificate chain the peer presented in the TLS handshake, end entity first.
    pub peer_certificates: Vec<CertificateDer<'static>>,
}

impl XmlStream {
    /// A stream over `io`; `reader` may already hold bytes (a hand-over from the c2s side).
    pub fn new(io: Box<dyn Io>, reader: StreamReader, limits: Limits) -> Self {
        XmlStream {
            io,
            reader,
            limits,
            buffer: vec![0u8; 4096].into_boxed_slice(),
            tls: false,
            peer_certificates: Vec::new(),
        }
    }

    /// The next event, reading from the socket as needed (cancel-safe).
    pub async fn next(&mut self) -> Result<StreamEvent, ReadError> {
        loop {
            if let Some(event) = self.reader.next()? {
                return Ok(event);
            }
            let n = self.io.read(&mut self.buffer).await?;
            if n == 0 {
                return Err(ReadError::Closed);
            }
            self.reader.feed(&self.buffer[..n]);
        }
    }

    /// Writes `text` and flushes it.
    pub async fn send(&mut self, text: &str) -> io::Result<()> {
        self.io.write_all(text.as_bytes()).await?;
        self.io.flush().await
    }

    /// Expects a new stream header next (after SASL success).
    pub fn restart(&mut self) {
        self.reader.reset();
    }

    /// Whether bytes arrived that no event has consumed yet (refused after `<starttls/>`).
    pub fn has_buffered(&self) -> bool {
        self.reader.has_buffered()
    }

    /// Runs the client side of a TLS handshake for `name` and restarts the stream.
    pub async fn connect_tls(
        self,
        config: Arc<rustls::ClientConfig>,
        name: &str,
    ) -> Result<XmlStream, io::Error> {
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let XmlStream {
            io, limits, buffer, ..
        } = self;
        let tls = TlsConnector::from(config).connect(server_name, io).await?;
        let certificates = certificates(tls.get_ref().1.peer_certificates());
        Ok(upgraded(Box::new(tls), limits, buffer, certificates))
    }

    /// Runs the server side of a TLS handshake and restarts the stream.
    pub async fn accept_tls(
        self,
        config: Arc<rustls::ServerConfig>,
    ) -> Result<XmlStream, io::Error> {
        let XmlStream {
            io, limits, buffer, ..
        } = self;
        let tls = TlsAcceptor::from(config).accept(io).await?;
        let certificates = certificates(tls.get_ref().1.peer_certificates());
        Ok(upgraded(Box::new(tls), limits, buffer, certificates))
    }

    /// Sends `last` (e.g. a stream error, then `</stream:stream>`) and shuts the connection
    /// down, waiting at most two seconds.
    pub async fn close(mut self, last: &str) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = self.send(last).await;
            let _ = self.io.shutdown().await;
        })
        .await;
    }
}

/// A fresh stream over the TLS transport (the peer restarts the stream after the handshake).
fn upgraded(
    io: Box<dyn Io>,
    limits: Limits,
    buffer: Box<[u8]>,
    peer_certificates: Vec<CertificateDer<'static>>,
) -> XmlStream {
    XmlStream {
        io,
        reader: StreamReader::new(limits.clone()),
        limits,
        buffer,
        tls: true,
        peer_certificates,
    }
}

fn certificates(chain: Option<&[CertificateDer<'_>]>) -> Vec<CertificateDer<'static>> {
    chain
        .unwrap_or_default()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect()
}

/// The header of an s2s stream (RFC 6120 §4.7), declaring the dialback prefix (XEP-0220).
pub fn header(from: &str, to: Option<&str>, id: Option<&str>) -> String {
    let mut out = format!(
        "<?xml version='1.0'?><stream:stream xmlns=\"{}\" xmlns:stream=\"{}\" xmlns:db=\"{}\" version=\"1.0\" from=\"",
        ns::SERVER,
        ns::STREAMS,
        ns::DIALBACK
    );
    escape_attr(from, &mut out);
    out.push('"');
    for (name, value) in [("to", to), ("id", id)] {
        if let Some(value) = value {
            out.push_str(&format!(" {name}=\""));
            escape_attr(value, &mut out);
            out.push('"');
        }
    }
    out.push('>');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_arrive_across_reads_and_eof_is_reported() {
        let (client, mut server) = tokio::io::duplex(64);
        let mut stream = XmlStream::new(
            Box::new(client),
            StreamReader::new(Limits::default()),
            Limits::default(),
        );
        let written = header("a.test", Some("b.test"), Some("i1"))
            + "<db:result from='a.test' to='b.test'>k</db:result>";
        // The duplex buffer is smaller than the text: write while the stream reads.
        tokio::spawn(async move {
            server.write_all(written.as_bytes()).await.expect("write");
        });
        let StreamEvent::Header(h) = stream.next().await.expect("header") else {
            panic!("expected a header")
        };
        assert_eq!(h.default_ns.as_deref(), Some(ns::SERVER));
        assert_eq!(h.attr("id"), Some("i1"));
        assert_eq!(h.attr("to"), Some("b.test"));
        let StreamEvent::Stanza(result) = stream.next().await.expect("element") else {
            panic!("expected an element")
        };
        assert!(result.is("result", ns::DIALBACK));
        assert!(matches!(stream.next().await, Err(ReadError::Closed)));
    }
}
