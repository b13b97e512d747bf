//! One client connection: TCP or TLS underneath, an incremental XML reader on top, and the
//! helpers to write text and read whole stanzas. After login a connection is split into a
//! reading side and a writing side so both directions run at once.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use impetus_xml::{Element, STREAMS_NS, StreamEvent, StreamReader};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error::BenchError;

/// Read buffer size of a connection.
const READ_BUFFER: usize = 16 * 1024;

/// The byte stream under a connection.
pub enum Io {
    /// Plain TCP (before STARTTLS, or `--tls none`).
    Tcp(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Tcp(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A byte source with an XML stream reader on top.
pub struct XmlIo<S> {
    /// The byte stream.
    pub io: S,
    /// The stream reader (reset on stream restarts).
    pub xml: StreamReader,
    buf: Vec<u8>,
}

/// A whole connection before it is split.
pub type Conn = XmlIo<Io>;

/// The reading side of a split connection.
pub type ReadSide = XmlIo<ReadHalf<Io>>;

/// The writing side of a split connection.
pub type WriteSide = WriteHalf<Io>;

impl<S> XmlIo<S> {
    /// Wraps a byte stream with a fresh reader.
    pub fn new(io: S) -> Self {
        XmlIo {
            io,
            xml: StreamReader::default(),
            buf: vec![0; READ_BUFFER],
        }
    }

    /// The next event already buffered, without reading.
    pub fn buffered_event(&mut self) -> Result<Option<StreamEvent>, BenchError> {
        Ok(self.xml.next()?)
    }
}

impl<S: AsyncRead + Unpin> XmlIo<S> {
    /// Reads once from the socket into the XML reader; returns the byte count (0 is an error:
    /// the peer closed the connection).
    pub async fn fill(&mut self) -> Result<usize, BenchError> {
        let n = self.io.read(&mut self.buf).await?;
        if n == 0 {
            return Err(BenchError::Closed);
        }
        self.xml.feed(&self.buf[..n]);
        Ok(n)
    }

    /// The next stream event, reading as needed.
    pub async fn next_event(&mut self) -> Result<StreamEvent, BenchError> {
        loop {
            if let Some(event) = self.buffered_event()? {
                return Ok(event);
            }
            self.fill().await?;
        }
    }

    /// The next top-level element; a stream error, a close or a header is an error.
    pub async fn next_stanza(&mut self) -> Result<Element, BenchError> {
        match self.next_event().await? {
            StreamEvent::Stanza(e) => check_stream_error(e),
            StreamEvent::Close => Err(BenchError::Closed),
            StreamEvent::Header(_) => Err(BenchError::Protocol("unexpected stream header".into())),
        }
    }
}

/// Turns `<stream:error/>` into [`BenchError::StreamError`].
pub fn check_stream_error(e: Element) -> Result<Element, BenchError> {
    if e.is("error", STREAMS_NS) {
        let condition = e.elements().next().map(|c| c.name.clone());
        return Err(BenchError::StreamError(condition.unwrap_or_default()));
    }
    Ok(e)
}

impl<S: AsyncWrite + Unpin> XmlIo<S> {
    /// Writes and flushes `data`.
    pub async fn send(&mut self, data: &str) -> Result<(), BenchError> {
        write_flush(&mut self.io, data.as_bytes()).await
    }
}

/// Writes and flushes `data` on any writer.
pub async fn write_flush<W: AsyncWrite + Unpin>(w: &mut W, data: &[u8]) -> Result<(), BenchError> {
    w.write_all(data).await?;
    w.flush().await?;
    Ok(())
}

impl Conn {
    /// Opens a TCP connection (Nagle off) to an address; never resolves names.
    pub async fn connect(addr: SocketAddr) -> Result<Conn, BenchError> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(BenchError::Connect)?;
        tcp.set_nodelay(true).map_err(BenchError::Connect)?;
        Ok(Conn::new(Io::Tcp(tcp)))
    }

    /// Runs the TLS handshake on a plain connection; the XML reader starts afresh.
    pub async fn start_tls(
        self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Conn, BenchError> {
        let Io::Tcp(tcp) = self.io else {
            return Err(BenchError::Protocol("TLS is already on".into()));
        };
        let tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(BenchError::Tls)?;
        Ok(Conn::new(Io::Tls(Box::new(tls))))
    }

    /// Splits into reading and writing sides; the reader keeps buffered bytes.
    pub fn split(self) -> (ReadSide, WriteSide) {
        let (r, w) = tokio::io::split(self.io);
        let read = XmlIo {
            io: r,
            xml: self.xml,
            buf: self.buf,
        };
        (read, w)
    }

    /// Ends the stream politely and shuts the connection down (errors ignored).
    pub async fn close(mut self) {
        let _ = self.send("</stream:stream>").await;
        let _ = self.io.shutdown().await;
    }
}
