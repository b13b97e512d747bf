//! Listeners over real sockets: IPv4, IPv6 and Unix-domain `Listen` scopes all serve XMPP;
//! `Peer` scopes override options per client address (idle time) or refuse it outright;
//! a disabled `Listen` binds nothing; STARTTLS is required before authentication by default.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use impetus_tests::{RawClient, Server, config, free_port, free_ports};

const FIVE_SECONDS: Duration = Duration::from_secs(5);

/// Opens a stream on `client` and asserts the server answers with its own stream header from
/// `localhost` followed by stream features.
fn assert_serves_xmpp(client: &mut RawClient) {
    let received = client.start();
    assert!(
        received.starts_with("<?xml version='1.0'?><stream:stream "),
        "{received}"
    );
    assert!(received.contains("from=\"localhost\""), "{received}");
    assert!(received.contains("<stream:features>"), "{received}");
}

/// A client of 127.0.0.1:`port` whose socket is bound to the loopback address `ip` first.
fn from(ip: [u8; 4], port: u16) -> RawClient {
    RawClient::connect_from(
        IpAddr::V4(Ipv4Addr::from(ip)),
        SocketAddr::from(([127, 0, 0, 1], port)),
    )
}

/// One server listens on 127.0.0.1, [::1] and a Unix-domain socket under its temp dir; a
/// stream header on each gets a stream header and features back.
#[test]
fn ipv4_ipv6_and_unix_listens_all_serve() {
    let [port, port6] = free_ports();
    let listens = format!(
        "  Listen \"[::1]:{port6}\" {{}}\n  Listen \"{{DIR}}/xmpp.sock\" {{ file_mode = 0600 }}\n"
    );
    let server = Server::start(&config(port, &listens, ""), port);
    assert_serves_xmpp(&mut RawClient::local(port));
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port6));
    let socket = server.dir.path().join("xmpp.sock");
    // The server binds its Listens one by one: wait until the other two accept.
    let deadline = Instant::now() + FIVE_SECONDS;
    while TcpStream::connect(v6).is_err() || UnixStream::connect(&socket).is_err() {
        assert!(
            Instant::now() < deadline,
            "[::1]:{port6} or {} never accepted",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_serves_xmpp(&mut RawClient::connect(v6));
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let meta = std::fs::metadata(&socket).expect("the Unix socket exists");
    assert!(meta.file_type().is_socket());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "file_mode applies"
    );
    assert_serves_xmpp(&mut RawClient::unix(&socket));
}

/// `Peer "127.0.0.2" { idle_time = 1 }` inside a Listen: a silent client from 127.0.0.2 gets
/// `connection-timeout` after about a second, while a client from 127.0.0.1 on the same Listen
/// (no idle time) is still served after three seconds.
#[test]
fn peer_scope_overrides_idle_time_per_address() {
    let port = free_port();
    let _server = Server::start(
        &config(port, "", "").replace(
            &format!("Listen \"127.0.0.1:{port}\" {{}}"),
            &format!("Listen \"127.0.0.1:{port}\" {{ Peer \"127.0.0.2\" {{ idle_time = 1 }} }}"),
        ),
        port,
    );
    let mut patient = RawClient::local(port);
    patient.start();
    let mut idle = from([127, 0, 0, 2], port);
    let started = Instant::now();
    idle.start();
    idle.expect_stream_error("connection-timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "the 127.0.0.2 client was closed after {elapsed:?}"
    );
    assert!(
        !patient.closed_within(Duration::from_secs(3).saturating_sub(started.elapsed())),
        "the 127.0.0.1 client was closed: {}",
        patient.received()
    );
    patient.send("</stream:stream>");
    assert!(
        patient
            .read_until("</stream:stream>", FIVE_SECONDS)
            .contains("</stream:stream>")
    );
    assert!(!patient.received().contains("connection-timeout"));
}

/// `Peer "127.0.0.3" { enable = false }`: connections from 127.0.0.3 are closed before the
/// server sends a single byte; 127.0.0.1 on the same listener is served.
#[test]
fn disabled_peer_is_refused_before_any_byte() {
    let port = free_port();
    let server = Server::start(
        &config(port, "  Peer \"127.0.0.3\" { enable = false }\n", ""),
        port,
    );
    let mut refused = from([127, 0, 0, 3], port);
    assert!(
        refused.closed_within(FIVE_SECONDS),
        "127.0.0.3 was not disconnected"
    );
    assert_eq!(
        refused.received(),
        "",
        "no byte may be sent to a refused peer"
    );
    assert_serves_xmpp(&mut RawClient::local(port));
    assert!(server.wait_for_log("Connection refused by a Peer scope", FIVE_SECONDS));
}

/// A `Listen` with `enable = false` is not bound: nothing accepts on its port, and the log
/// shows only the enabled Listen being opened.
#[test]
fn disabled_listen_is_not_bound() {
    let [port, disabled] = free_ports();
    let server = Server::start(
        &config(
            port,
            &format!("  Listen \"127.0.0.1:{disabled}\" {{ enable = false }}\n"),
            "",
        ),
        port,
    );
    assert_serves_xmpp(&mut RawClient::local(port));
    let connected = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], disabled)),
        Duration::from_secs(2),
    );
    assert!(
        connected.is_err(),
        "something accepts on the disabled port {disabled}"
    );
    let log = server.log();
    assert!(log.contains(&format!("127.0.0.1:{port}")), "{log}");
    assert!(!log.contains(&format!("127.0.0.1:{disabled}")), "{log}");
}

/// By default STARTTLS is required: the features offer `<starttls><required/></starttls>`
/// and no SASL mechanisms, and a plaintext `<auth>` gets `<encryption-required/>`.
#[test]
fn starttls_is_required_by_default() {
    let server = Server::start_default();
    let mut client = RawClient::local(server.port);
    let features = client.start();
    assert!(
        features
            .contains("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"><required/></starttls>"),
        "{features}"
    );
    assert!(!features.contains("<mechanisms"), "{features}");
    client.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>");
    let reply = client.read_until("</failure>", FIVE_SECONDS);
    assert!(
        reply
            .contains("<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><encryption-required/>"),
        "{reply}"
    );
    assert!(!reply.contains("<success"), "{reply}");
}
