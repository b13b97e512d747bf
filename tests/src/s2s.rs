//! Federation test helpers: a private CA issuing per-domain certificates (rcgen), the
//! configuration of a server that federates over loopback, a scripted fake s2s peer (plain
//! TCP, dialback answered without checking), and reading structured log fields.
//!
//! Nothing here resolves names through the machine's resolver: routes are IP literals (and
//! `dns.rs` serves SRV and A records from 127.0.0.1).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

/// A private certificate authority writing its files into a temporary directory.
pub struct Pki {
    dir: tempfile::TempDir,
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate (PEM), for `tls_ca`.
    pub ca: PathBuf,
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

impl Pki {
    /// A new CA.
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("CA certificate");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, certificate.pem()).expect("write CA");
        Pki {
            issuer: Issuer::new(params, key),
            dir,
            ca,
        }
    }

    /// A certificate for `name` signed by this CA: (certificate, key) files.
    pub fn issue(&self, name: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        let certificate = params.signed_by(&key, &self.issuer).expect("certificate");
        self.write(name, &certificate.pem(), &key.serialize_pem())
    }

    /// A self-signed certificate for `name` (no CA vouches for it).
    pub fn self_signed(&self, name: &str) -> (PathBuf, PathBuf) {
        let generated =
            rcgen::generate_simple_self_signed(vec![name.to_owned()]).expect("self-signed");
        self.write(
            &format!("{name}-self"),
            &generated.cert.pem(),
            &generated.signing_key.serialize_pem(),
        )
    }

    fn write(&self, stem: &str, cert: &str, key: &str) -> (PathBuf, PathBuf) {
        let cert_path = self.dir.path().join(format!("{stem}.crt"));
        let key_path = self.dir.path().join(format!("{stem}.key"));
        std::fs::write(&cert_path, cert).expect("write certificate");
        std::fs::write(&key_path, key).expect("write key");
        (cert_path, key_path)
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// A remote domain this server federates with (`XMPP_Role = "client"`), routed to
/// 127.0.0.1:`port` when given, with `options` inside the Domain scope.
pub fn remote_domain(domain: &str, port: Option<u16>, options: &str) -> String {
    let route = port
        .map(|port| format!(" xmpp_route = \"127.0.0.1:{port}\""))
        .unwrap_or_default();
    format!("Domain \"{domain}\" {{ XMPP_Role = \"client\"{route} {options} }}\n")
}

/// A server hosting `domain` with accounts in its store, in-band registration, the given
/// certificate, a STARTTLS client Listen on `c2s` and a Listen on `s2s` for other servers.
/// `domains` holds the remote Domain scopes, `listens` more Listen scopes, `global` top-level
/// options (`s2s_*`, scriptlets).
pub fn federated_config(
    domain: &str,
    (c2s, s2s): (u16, u16),
    (cert, key): &(PathBuf, PathBuf),
    domains: &str,
    listens: &str,
    global: &str,
) -> String {
    format!(
        r#"spool_base = "{{DIR}}/spool"
xmpp {{}}
auth_scram {{}}
auth_plain {{}}
auth_digestmd5 {{}}
{global}
Domain "{domain}" {{ XMPP_Role = "server" XMPP_Dialback_Secret = "secret of {domain}" }}
{domains}
xmpp_listener {{
  AuthPlainParameters = [ uri = "datasource://" ]
  AuthDigestMD5Parameters = [ uri = "datasource://" realm = "{domain}" ]
  allow_registration = true
  registration_throttle = "1000/60"
  tls_certificate = "{cert}"
  tls_key = "{key}"
  Listen "127.0.0.1:{c2s}" {{}}
  Listen "127.0.0.1:{s2s}" {{}}
{listens}
}}
"#,
        cert = cert.display(),
        key = key.display(),
    )
}

/// One accepted connection of a [`FakePeer`], read with a cursor.
pub struct PeerStream {
    stream: TcpStream,
    buffer: String,
    cursor: usize,
}

impl PeerStream {
    /// Reads until `needle` appears after what was consumed; returns the text up to and
    /// including it (consumed), or panics after `timeout`.
    pub fn expect(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = self.buffer[self.cursor..].find(needle) {
                let end = self.cursor + at + needle.len();
                let text = self.buffer[self.cursor..end].to_owned();
                self.cursor = end;
                return text;
            }
            assert!(
                Instant::now() < deadline && self.read_some(),
                "no {needle:?} within {timeout:?}; received {:?}",
                &self.buffer[self.cursor..]
            );
        }
    }

    /// Everything received so far after what was consumed, reading for `wait` first.
    pub fn rest(&mut self, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline && self.read_some() {}
        self.buffer[self.cursor..].to_owned()
    }

    fn read_some(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
                true
            }
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }

    /// Writes raw text.
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Plays a SOCKS5 proxy (RFC 1928, no authentication) on this connection: answers the
    /// greeting and the CONNECT request, and returns the host and port asked for. The
    /// connection then carries the tunnelled stream, which this side plays too.
    pub fn socks5_accept(&mut self) -> (String, u16) {
        self.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut greeting = [0u8; 3];
        self.stream.read_exact(&mut greeting).expect("greeting");
        assert_eq!(
            greeting,
            [5, 1, 0],
            "SOCKS5 greeting without authentication"
        );
        self.send_bytes(&[5, 0]);
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head).expect("request");
        assert_eq!(head[..4], [5, 1, 0, 3], "CONNECT by domain name");
        let mut rest = vec![0u8; usize::from(head[4]) + 2];
        self.stream.read_exact(&mut rest).expect("host and port");
        let (host, port) = rest.split_at(rest.len() - 2);
        self.send_bytes(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]);
        self.stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        (
            String::from_utf8_lossy(host).into_owned(),
            u16::from_be_bytes([port[0], port[1]]),
        )
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// Reads the originating server's header and answers with ours and dialback-only features;
    /// returns the header received.
    pub fn open(&mut self, domain: &str, id: &str) -> String {
        self.expect("<stream:stream", Duration::from_secs(10));
        let header = self.expect(">", Duration::from_secs(10));
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' id='{id}' from='{domain}' version='1.0'><stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>"
        ));
        header
    }

    /// Waits for the dialback request and accepts it without checking the key.
    pub fn accept_dialback(&mut self, domain: &str, from: &str) {
        self.expect("</db:result>", Duration::from_secs(10));
        self.send(&format!(
            "<db:result from='{domain}' to='{from}' type='valid'/>"
        ));
    }
}

/// A listening socket playing another server.
pub struct FakePeer {
    listener: TcpListener,
}

impl Default for FakePeer {
    fn default() -> Self {
        FakePeer::bind()
    }
}

impl FakePeer {
    /// Listens on 127.0.0.1 (a free port).
    pub fn bind() -> FakePeer {
        FakePeer {
            listener: TcpListener::bind("127.0.0.1:0").expect("bind"),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().expect("addr").port()
    }

    /// The next connection, or a panic after `timeout`.
    pub fn accept(&self, timeout: Duration) -> PeerStream {
        self.listener.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + timeout;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).expect("blocking");
                    stream
                        .set_read_timeout(Some(Duration::from_millis(100)))
                        .expect("timeout");
                    return PeerStream {
                        stream,
                        buffer: String::new(),
                        cursor: 0,
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(
                        Instant::now() < deadline,
                        "no connection within {timeout:?}"
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }

    /// Whether a connection arrives within `wait` (it is dropped).
    pub fn connection_within(&self, wait: Duration) -> bool {
        self.listener.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.listener.accept().is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// The server's log without terminal colour codes, so structured fields read `name=value`.
pub fn plain_log(server: &crate::Server) -> String {
    let log = server.log();
    let mut plain = String::with_capacity(log.len());
    let mut rest = log.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        plain.push_str(&rest[..at]);
        rest = &rest[at..];
        match rest.find('m') {
            Some(end) => rest = &rest[end + 1..],
            None => rest = "",
        }
    }
    plain.push_str(rest);
    plain
}

/// Waits up to `timeout` for `needle` in [`plain_log`].
pub fn wait_for_plain_log(server: &crate::Server, needle: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if plain_log(server).contains(needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
