//! Client-to-server sessions (RFC 6120): one task per connection reads bytes, feeds the
//! incremental XML reader, and drives the stream through STARTTLS, SASL and resource binding;
//! then it routes the client's stanzas and writes what the router queues for it. A first header
//! in `jabber:server` hands the connection over to `s2s::inbound`.
//!
//! - `settings.rs`: per-connection settings resolved at accept time.
//! - `idle.rs`: the `idle_time` timer; `rate.rs`: the `stanza_rate` token bucket.
//! - `transport.rs`: plaintext or TLS.
//! - `stream.rs`: headers and header checks.
//! - `negotiate.rs`: features, STARTTLS, SASL, bind (the pre-session state machine).
//! - `established.rs`: stanzas of a bound session (stamping `from`, hooks, routing); its
//!   socket-free entry points `client_stanza` and `session_ended` are public.

mod established;
mod idle;
mod negotiate;
mod rate;
pub mod settings;
pub(crate) mod stream;
pub mod transport;

pub use established::{client_stanza, session_ended};

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use impetus_runtime::Generation;
use impetus_runtime::listener::Connection;
use impetus_xml::{Element, StreamEvent, StreamReader};
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stream_error::{StreamErrorCondition, stream_error};
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use tokio_rustls::TlsAcceptor;

use crate::mailbox::MailboxReceiver;
use crate::router::{Outbound, SessionHandle};
use crate::state::XmppState;
use idle::LastRead;
use rate::StanzaRate;
use settings::ConnSettings;
use transport::Transport;

/// What processing an event asks the I/O loop to do next.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Keep reading.
    Continue,
    /// Flush, then upgrade the transport to TLS and restart the stream.
    StartTls,
    /// Flush and close the connection.
    Close,
    /// The header opened a server-to-server stream: hand the connection to `s2s::inbound`.
    ServerStream(Box<impetus_xml::StreamHeader>),
    /// The client exceeded `stanza_rate`: stop reading for this long, then go on.
    Pause(Duration),
}

/// The state of one client connection.
pub(crate) struct Session {
    state: Arc<XmppState>,
    generation: Arc<Generation>,
    settings: ConnSettings,
    peer: String,
    peer_ip: std::net::IpAddr,
    reader: StreamReader,
    out: String,
    stream_id: String,
    header_seen: bool,
    domain: String,
    default_ns: &'static str,
    tls: bool,
    bindings: impetus_runtime::auth::ChannelBindings,
    /// Outcome of verifying the client's certificate (`tls_verify_mode = optional`), kept
    /// for policy: `None` when no certificate was presented or none was asked for.
    client_certificate: Option<Result<(), String>>,
    sasl: Option<negotiate::SaslInProgress>,
    sasl_failures: u32,
    username: Option<String>,
    handle: Option<Arc<SessionHandle>>,
    receiver: Option<MailboxReceiver>,
    rate: StanzaRate,
    /// A stanza read while the rate limit held it back (processed first on resuming).
    held: Option<Box<Element>>,
}

/// Builds the session of a new client connection and returns the task that runs it.
pub fn serve(
    connection: Connection,
    state: Arc<XmppState>,
    generation: Arc<Generation>,
    settings: ConnSettings,
) -> impl std::future::Future<Output = ()> + Send {
    let peer = connection
        .peer
        .map(|p| p.to_string())
        .unwrap_or_else(|| "unix".into());
    let peer_ip = connection.acl_ip();
    let transport = Transport::Plain(connection.stream);
    let session = Session {
        reader: StreamReader::new(settings.limits.clone()),
        rate: StanzaRate::new(settings.stanza_rate),
        tls: false,
        bindings: Default::default(),
        client_certificate: None,
        state,
        generation,
        settings,
        peer,
        peer_ip,
        out: String::new(),
        stream_id: String::new(),
        header_seen: false,
        domain: String::new(),
        default_ns: ns::CLIENT,
        sasl: None,
        sasl_failures: 0,
        username: None,
        handle: None,
        receiver: None,
        held: None,
    };
    session.run(transport)
}

impl Session {
    /// The connection's I/O loop.
    async fn run(mut self, mut transport: Transport) {
        if self.settings.direct_tls {
            match upgrade(transport, &self.settings).await {
                Some(upgraded) => transport = upgraded,
                None => return,
            }
        }
        self.after_tls(&transport);
        // Both waits are made once per connection, not once per wake-up.
        let shutdown = self.generation.services.shutdown.clone();
        let shutdown = shutdown.wait();
        tokio::pin!(shutdown);
        let last_read = LastRead::new(self.settings.idle);
        let idle = idle::expired(&last_read);
        tokio::pin!(idle);
        // Set while `stanza_rate` holds reading back (boxed: most sessions never need it).
        let mut paused: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let mut closing = false;
        while !closing {
            let next = tokio::select! {
                read = read_into(&mut transport, &mut self.reader), if paused.is_none() => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        last_read.touch();
                        self.drain_reader()
                    }
                },
                () = resume(&mut paused) => {
                    paused = None;
                    self.drain_reader()
                },
                items = recv(&mut self.receiver) => self.outbound(items),
                _ = &mut idle => self.fail(StreamErrorCondition::ConnectionTimeout, Some("idle_time exceeded")),
                _ = &mut shutdown => self.fail(StreamErrorCondition::SystemShutdown, None),
            };
            if !self.out.is_empty() {
                let written = transport.write_all(self.out.as_bytes()).await;
                // Freed rather than kept: an idle session holds no output buffer.
                self.out = String::new();
                if written.is_err() || transport.flush().await.is_err() {
                    break;
                }
            }
            match next {
                Next::Continue => {}
                Next::Pause(wait) => paused = Some(Box::pin(tokio::time::sleep(wait))),
                Next::Close => closing = true,
                Next::ServerStream(header) => {
                    let Session {
                        reader,
                        state,
                        generation,
                        settings,
                        peer,
                        ..
                    } = self;
                    // Boxed: the server-stream future would otherwise sit inside every client task.
                    Box::pin(crate::s2s::inbound::serve(
                        transport, reader, *header, state, generation, settings, peer,
                    ))
                    .await;
                    return;
                }
                Next::StartTls => {
                    if self.reader.has_buffered() {
                        // Bytes pipelined after <starttls/> must not leak into the TLS stream.
                        break;
                    }
                    match upgrade(transport, &self.settings).await {
                        Some(upgraded) => transport = upgraded,
                        None => {
                            self.finish();
                            return;
                        }
                    }
                    self.after_tls(&transport);
                    self.reader.reset();
                    self.header_seen = false;
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), transport.shutdown()).await;
        self.finish();
    }
}

/// Bytes read from the socket per call; the buffer lives on the stack only while reading.
const READ_CHUNK: usize = 16 * 1024;

/// Reads what the transport has into the XML reader through a buffer on the stack, so a
/// waiting session keeps no read buffer of its own. `Ok(0)` is the end of the stream.
async fn read_into(transport: &mut Transport, reader: &mut StreamReader) -> std::io::Result<usize> {
    std::future::poll_fn(|cx| {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); READ_CHUNK];
        let mut filled = ReadBuf::uninit(&mut buf);
        std::task::ready!(std::pin::Pin::new(&mut *transport).poll_read(cx, &mut filled))?;
        reader.feed(filled.filled());
        std::task::Poll::Ready(Ok(filled.filled().len()))
    })
    .await
}

/// Completes when a `stanza_rate` pause is over; never when there is none.
async fn resume(paused: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match paused {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn recv(receiver: &mut Option<MailboxReceiver>) -> VecDeque<Outbound> {
    match receiver {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

async fn upgrade(transport: Transport, settings: &ConnSettings) -> Option<Transport> {
    let (Transport::Plain(stream), Some(tls)) = (transport, settings.tls.as_ref()) else {
        return None;
    };
    let acceptor = TlsAcceptor::from(tls.config.clone());
    // Boxed: the handshake state would otherwise stay in every session's task for its life.
    let handshake = Box::pin(acceptor.accept(stream));
    match tokio::time::timeout(Duration::from_secs(30), handshake).await {
        Ok(Ok(stream)) => Some(Transport::Tls(Box::new(stream))),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

impl Session {
    /// Processes every complete event the reader holds.
    fn drain_reader(&mut self) -> Next {
        loop {
            if let Some(stanza) = self.held.take() {
                match self.limited(*stanza) {
                    Next::Continue => continue,
                    next => return next,
                }
            }
            let event = match self.reader.next() {
                Ok(Some(event)) => event,
                Ok(None) => return Next::Continue,
                Err(error) => {
                    let condition = StreamErrorCondition::from_name(error.condition())
                        .unwrap_or(StreamErrorCondition::NotWellFormed);
                    return self.fail(condition, Some(&error.to_string()));
                }
            };
            let next = match event {
                StreamEvent::Header(header) => self.on_header(&header),
                StreamEvent::Stanza(stanza) => self.limited(stanza),
                StreamEvent::Close => {
                    self.out.push_str("</stream:stream>");
                    Next::Close
                }
            };
            if next != Next::Continue {
                return next;
            }
        }
    }

    /// Processes a stanza of a bound session if `stanza_rate` allows it now, else holds it
    /// back and asks the loop to pause reading.
    fn limited(&mut self, element: Element) -> Next {
        if self.handle.is_some()
            && let Err(wait) = self.rate.take()
        {
            self.held = Some(Box::new(element));
            return Next::Pause(wait);
        }
        self.on_element(element)
    }

    fn on_element(&mut self, element: Element) -> Next {
        if self.handle.is_some() {
            self.on_stanza(element)
        } else {
            self.negotiate(element)
        }
    }

    /// Sends a stream error (after a header if none was sent) and asks to close.
    fn fail(&mut self, condition: StreamErrorCondition, text: Option<&str>) -> Next {
        if !self.header_seen {
            let domain = if self.domain.is_empty() {
                self.state.default_host().unwrap_or("localhost").to_owned()
            } else {
                self.domain.clone()
            };
            self.out
                .push_str(&stream::header(&domain, &new_id(), self.default_ns));
            self.header_seen = true;
        }
        tracing::debug!(peer = %self.peer, condition = condition.name(), text = text.unwrap_or(""), "Closing stream with an error");
        stream_error(condition, text).write_to(self.default_ns, &mut self.out);
        self.out.push_str("</stream:stream>");
        Next::Close
    }

    /// Appends everything taken from the mailbox to the output, so one write carries a burst.
    fn outbound(&mut self, items: VecDeque<Outbound>) -> Next {
        for item in items {
            match item {
                Outbound::Stanza(xml) => self.out.push_str(&xml),
                Outbound::Close(condition, text) => return self.fail(condition, text.as_deref()),
            }
        }
        Next::Continue
    }

    /// Records what TLS established: channel bindings for SCRAM-PLUS and the client
    /// certificate's verification result.
    fn after_tls(&mut self, transport: &Transport) {
        self.tls = transport.is_tls();
        let Some(tls) = self.settings.tls.clone().filter(|_| self.tls) else {
            return;
        };
        self.bindings.tls_exporter = transport.tls_exporter();
        self.bindings.tls_server_end_point = Some(tls.server_end_point(transport.sni().as_deref()));
        if let (Some(verifier), Some(chain)) = (&tls.client_verifier, transport.peer_certificates())
            && let Some((end_entity, intermediates)) = chain.split_first()
        {
            let now = rustls::pki_types::UnixTime::now();
            let outcome = verifier
                .verify_client_cert(end_entity, intermediates, now)
                .map(|_| ())
                .map_err(|e| e.to_string());
            if let Err(reason) = &outcome {
                tracing::info!(peer = %self.peer, reason = %reason, "Client certificate did not verify; recorded for policy");
            }
            self.client_certificate = Some(outcome);
        }
    }

    /// Leaves the routing table and tells contacts (done once, at the end).
    fn finish(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.unbind(handle);
        }
    }
}

/// A fresh random stream id.
pub(crate) fn new_id() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
