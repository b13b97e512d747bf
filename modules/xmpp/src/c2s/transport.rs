//! The byte stream under an XMPP session: plaintext until STARTTLS (or TLS from the first byte
//! on a direct-TLS port), with the TLS facts SASL needs (channel binding, client certificate).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use impetus_runtime::listener::NetStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::server::TlsStream;

/// Plaintext or TLS.
pub enum Transport {
    /// Before STARTTLS.
    Plain(NetStream),
    /// After STARTTLS or on a direct-TLS port.
    Tls(Box<TlsStream<NetStream>>),
}

impl Transport {
    /// Whether TLS is established.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// RFC 9266 `tls-exporter` channel-binding data (TLS 1.3 only).
    pub fn tls_exporter(&self) -> Option<Vec<u8>> {
        let Transport::Tls(tls) = self else {
            return None;
        };
        let (_, connection) = tls.get_ref();
        if connection.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
            return None;
        }
        connection
            .export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", Some(&[]))
            .ok()
            .map(|key| key.to_vec())
    }

    /// The server name the client asked for with SNI.
    pub fn sni(&self) -> Option<String> {
        let Transport::Tls(tls) = self else {
            return None;
        };
        tls.get_ref().1.server_name().map(str::to_owned)
    }

    /// The client's certificate chain, if it sent one.
    pub fn peer_certificates(&self) -> Option<Vec<rustls::pki_types::CertificateDer<'static>>> {
        let Transport::Tls(tls) = self else {
            return None;
        };
        tls.get_ref()
            .1
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
    }

    /// The negotiated protocol version and cipher suite, for logs and `xmpp show session`.
    pub fn tls_description(&self) -> Option<String> {
        let Transport::Tls(tls) = self else {
            return None;
        };
        let (_, connection) = tls.get_ref();
        Some(format!(
            "{:?} {:?}",
            connection.protocol_version()?,
            connection.negotiated_cipher_suite()?.suite()
        ))
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
