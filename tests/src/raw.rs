//! The raw-XML client: bytes in, bytes out over TCP or a Unix-domain socket, for tests that
//! send malformed or hand-written streams, plus helpers for the common steps (in-band
//! registration, SASL PLAIN, binding, ping) on listeners that offer SASL without TLS.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// How long the session helpers wait for each answer.
const STEP: Duration = Duration::from_secs(5);

/// The socket under a [`RawClient`].
enum Link {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Link::Tcp(s) => s.read(buf),
            Link::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Link::Tcp(s) => s.write(buf),
            Link::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Link::Tcp(s) => s.flush(),
            Link::Unix(s) => s.flush(),
        }
    }
}

/// A blocking raw-XML client for malformed-input tests.
pub struct RawClient {
    stream: Link,
    received: String,
    domain: String,
}

impl RawClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> RawClient {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        RawClient::from_tcp(stream)
    }

    /// Connects to `addr` from the local address `from` (e.g. 127.0.0.3 to exercise Peer
    /// scopes), binding the client socket before connecting.
    pub fn connect_from(from: IpAddr, addr: SocketAddr) -> RawClient {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).expect("socket");
        socket
            .bind(&SocketAddr::new(from, 0).into())
            .expect("bind the client address");
        socket
            .connect_timeout(&addr.into(), Duration::from_secs(5))
            .expect("connect");
        RawClient::from_tcp(socket.into())
    }

    /// Connects to 127.0.0.1:`port`.
    pub fn local(port: u16) -> RawClient {
        RawClient::connect(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Connects to the Unix-domain socket at `path`.
    pub fn unix(path: &Path) -> RawClient {
        let stream = UnixStream::connect(path).expect("connect to the Unix socket");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        RawClient {
            stream: Link::Unix(stream),
            received: String::new(),
            domain: "localhost".into(),
        }
    }

    fn from_tcp(stream: TcpStream) -> RawClient {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        RawClient {
            stream: Link::Tcp(stream),
            received: String::new(),
            domain: "localhost".into(),
        }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, data: &str) {
        self.send_bytes(data.as_bytes());
    }

    /// Sends raw bytes that need not be UTF-8.
    pub fn send_bytes(&mut self, data: &[u8]) {
        self.stream.write_all(data).expect("send");
    }

    /// Addresses the streams this client opens to `domain` instead of `localhost`.
    pub fn to_domain(mut self, domain: &str) -> RawClient {
        self.domain = domain.to_owned();
        self
    }

    /// Sends a client stream header for the client's domain (`localhost` by default).
    pub fn open(&mut self) {
        let header = format!(
            "<?xml version='1.0'?><stream:stream to='{}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
            self.domain
        );
        self.send(&header);
    }

    /// Everything received so far.
    pub fn received(&self) -> &str {
        &self.received
    }

    /// Returns everything received so far and forgets it, so later waits match new bytes only.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.received)
    }

    /// Reads until `needle` was received (returns everything so far) or the connection closed
    /// or `timeout` passed (then returns what arrived, which will not contain `needle`).
    pub fn read_until(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        while !self.received.contains(needle) && Instant::now() < deadline {
            if !self.read_some() {
                break;
            }
        }
        self.received.clone()
    }

    /// Whether the server closed the connection within `timeout`.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.read_some() {
                return true;
            }
        }
        false
    }

    /// One read of at most the socket's 200 ms timeout; false once the connection is closed.
    fn read_some(&mut self) -> bool {
        let mut buffer = [0u8; 4096];
        match self.stream.read(&mut buffer) {
            Ok(0) => false,
            Ok(n) => {
                self.received
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
                true
            }
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }

    /// Waits for the server's stream error and asserts that it carries exactly `condition`
    /// (e.g. `restricted-xml`) in the streams-error namespace inside `<stream:error>`, that the
    /// stream is closed with `</stream:stream>` and that the connection is then closed.
    /// Returns everything received.
    pub fn expect_stream_error(&mut self, condition: &str) -> String {
        let received = self.read_until("</stream:stream>", STEP);
        let normalised = received.replace('"', "'");
        let element = format!("<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>");
        let error = normalised
            .find("<stream:error>")
            .map(|at| &normalised[at..])
            .unwrap_or_else(|| panic!("no <stream:error> in {received:?}"));
        let end = error
            .find("</stream:error>")
            .unwrap_or_else(|| panic!("unterminated <stream:error> in {received:?}"));
        assert!(
            error[..end].contains(&element),
            "expected {element} inside <stream:error>, got {received:?}"
        );
        assert_eq!(
            error[..end]
                .matches("xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
                .count(),
            1,
            "exactly one condition element expected in {received:?}"
        );
        assert!(
            error[end..].contains("</stream:stream>"),
            "the stream was not closed after the error: {received:?}"
        );
        assert!(
            self.closed_within(STEP),
            "the server did not close the connection after <{condition}/>"
        );
        received
    }

    /// Opens the stream and waits for the first features.
    pub fn start(&mut self) -> String {
        self.open();
        let features = self.read_until("</stream:features>", STEP);
        assert!(
            features.contains("<stream:stream") && features.contains("</stream:features>"),
            "no stream header and features: {features:?}"
        );
        self.take()
    }

    /// Creates the account `user` in-band (XEP-0077) on a stream opened with [`Self::start`].
    pub fn register(&mut self, user: &str, password: &str) {
        let id = format!("reg-{user}");
        self.send(&format!(
            "<iq type='set' id='{id}'><query xmlns='jabber:iq:register'><username>{user}</username><password>{password}</password></query></iq>"
        ));
        let reply = self.iq_reply(&id);
        assert!(
            reply.contains("type=\"result\""),
            "registration of {user} failed: {reply}"
        );
    }

    /// Authenticates with SASL PLAIN on a started stream, restarts the stream and waits for
    /// the post-authentication features (which must offer resource binding).
    pub fn authenticate(&mut self, user: &str, password: &str) {
        let response = B64.encode(format!("\0{user}\0{password}"));
        self.send(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{response}</auth>"
        ));
        let reply = self.read_until("<success", STEP);
        assert!(
            reply.contains("<success"),
            "PLAIN failed for {user}: {reply}"
        );
        self.take();
        let features = self.start();
        assert!(
            features.contains("urn:ietf:params:xml:ns:xmpp-bind"),
            "no bind feature after authentication: {features}"
        );
    }

    /// Binds `resource` and returns the full JID the server assigned.
    pub fn bind(&mut self, resource: &str) -> String {
        let id = format!("bind-{resource}");
        self.send(&format!(
            "<iq type='set' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>"
        ));
        let reply = self.iq_reply(&id);
        assert!(reply.contains("type=\"result\""), "bind failed: {reply}");
        let start = reply.find("<jid>").map(|i| i + 5);
        let end = reply.find("</jid>");
        match (start, end) {
            (Some(start), Some(end)) if start <= end => reply[start..end].to_owned(),
            _ => panic!("no <jid> in the bind result: {reply}"),
        }
    }

    /// A bound session of `user` (registered beforehand) on a listener at 127.0.0.1:`port`
    /// that offers SASL without TLS; nothing received is left in the buffer.
    pub fn login(port: u16, user: &str, password: &str, resource: &str) -> RawClient {
        RawClient::login_at(port, "localhost", user, password, resource)
    }

    /// Like [`RawClient::login`] for an account of `domain`.
    pub fn login_at(
        port: u16,
        domain: &str,
        user: &str,
        password: &str,
        resource: &str,
    ) -> RawClient {
        let mut client = RawClient::local(port).to_domain(domain);
        client.start();
        client.authenticate(user, password);
        client.bind(resource);
        client
    }

    /// Registers `user` on a fresh connection to 127.0.0.1:`port` (SASL offered without TLS).
    pub fn create_account(port: u16, user: &str, password: &str) {
        RawClient::create_account_at(port, "localhost", user, password);
    }

    /// Like [`RawClient::create_account`] for an account of `domain`.
    pub fn create_account_at(port: u16, domain: &str, user: &str, password: &str) {
        let mut client = RawClient::local(port).to_domain(domain);
        client.start();
        client.register(user, password);
    }

    /// Sends an XEP-0199 ping to the server and asserts that the result arrives.
    pub fn assert_ping(&mut self, id: &str) {
        self.send(&format!(
            "<iq type='get' id='{id}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
        ));
        let reply = self.iq_reply(id);
        assert!(
            reply.contains("type=\"result\""),
            "ping {id} got no result: {reply}"
        );
    }

    /// Waits for the complete `<iq>` with `id` and returns it (the buffer is cleared).
    pub fn iq_reply(&mut self, id: &str) -> String {
        let marker = format!("id=\"{id}\"");
        let deadline = Instant::now() + STEP;
        loop {
            if let Some(reply) = complete_iq(&self.received, &marker) {
                self.take();
                return reply;
            }
            assert!(
                Instant::now() < deadline && self.read_some(),
                "no complete reply with {marker}: {:?}",
                self.received
            );
        }
    }
}

/// The first complete `<iq>` element in `received` whose start tag contains `marker`.
fn complete_iq(received: &str, marker: &str) -> Option<String> {
    let at = received.find(marker)?;
    let start = received[..at].rfind("<iq")?;
    let head_end = start + received[start..].find('>')?;
    if received[..head_end].ends_with('/') {
        return Some(received[start..=head_end].to_owned());
    }
    let close = received[start..].find("</iq>")?;
    Some(received[start..start + close + 5].to_owned())
}
