//! Federation faults over raw sockets (issue 5's third "done when"): a remote server that is
//! down or never answers (queued stanzas bounce with remote-server-not-found or
//! remote-server-timeout), one that goes away mid-stream (what is still queued is sent once on
//! the next connection, nothing twice), bad certificates (refused in both directions by
//! default), inbound streams that claim domains they did not verify, and `.onion` domains
//! reached through the SOCKS5 proxy. Fake peers are plain TCP sockets driven by the test.

use std::time::Duration;

use impetus_tests::s2s::{
    FakePeer, PeerStream, Pki, federated_config, remote_domain, wait_for_plain_log,
};
use impetus_tests::{RawClient, Server, binary, cli, config, free_port, free_ports, plain_listen};

const WAIT: Duration = Duration::from_secs(10);

/// A server hosting `localhost` with a plaintext client Listen for raw clients and an s2s
/// Listen; `domains` are remote Domain scopes, `global` top-level options.
struct Local {
    server: Server,
    raw: u16,
    s2s: u16,
}

impl Local {
    fn start(domains: &str, global: &str) -> Local {
        let [port, raw, s2s] = free_ports();
        let listens = plain_listen(raw, "") + &format!("  Listen \"127.0.0.1:{s2s}\" {{}}\n");
        let console = "Control_Listener { Listen \"{DIR}/console.sock\" {} }\n";
        let mut server = Server::start(
            &config(port, &listens, &format!("{domains}{global}{console}")),
            port,
        );
        server.wait_for_port(raw);
        server.wait_for_port(s2s);
        RawClient::create_account(raw, "alice", "secret");
        Local { server, raw, s2s }
    }

    fn alice(&self) -> RawClient {
        RawClient::login(self.raw, "alice", "secret", "desk")
    }

    /// The console's answer to `xmpp s2s`.
    fn s2s_listing(&self) -> String {
        let socket = self.server.dir.path().join("console.sock");
        let output = std::process::Command::new(binary())
            .arg("console")
            .arg(&socket)
            .args(["xmpp", "s2s"])
            .output()
            .expect("console");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

fn message(to: &str, id: &str, body: &str) -> String {
    format!("<message to='{to}' id='{id}' type='chat'><body>{body}</body></message>")
}

/// Waits for the error reply to message `id` and returns it.
fn bounce(client: &mut RawClient, id: &str) -> String {
    let received = client.read_until("</message>", WAIT + WAIT);
    assert!(
        received.contains(&format!("id=\"{id}\"")) && received.contains("type=\"error\""),
        "no bounce of {id}: {received}"
    );
    client.take()
}

/// A domain that is configured but whose server refuses connections, and one that is not
/// configured at all (s2s is off for unlisted domains): both bounce at once with
/// remote-server-not-found, and the link is retried for the next stanza.
#[test]
fn remote_server_down_bounces_with_remote_server_not_found() {
    let dead = free_port();
    let local = Local::start(&remote_domain("down.test", Some(dead), ""), "");
    let mut alice = local.alice();
    for id in ["m1", "m2"] {
        alice.send(&message("bob@down.test", id, "are you there?"));
        let reply = bounce(&mut alice, id);
        assert!(reply.contains("<remote-server-not-found"), "{reply}");
        assert!(
            reply.contains("are you there?"),
            "the bounce carries the original: {reply}"
        );
    }
    alice.send(&message("bob@unlisted.test", "m3", "hi"));
    let reply = bounce(&mut alice, "m3");
    assert!(
        reply.contains("<remote-server-not-found")
            && reply.contains("does not federate with unlisted.test"),
        "{reply}"
    );
}

/// A server that accepts the connection but never answers: queued stanzas bounce with
/// remote-server-timeout after `s2s_connect_timeout`.
#[test]
fn remote_server_that_never_answers_bounces_with_remote_server_timeout() {
    let silent = FakePeer::bind();
    let local = Local::start(
        &remote_domain("silent.test", Some(silent.port()), ""),
        "s2s_connect_timeout = 2\n",
    );
    let mut alice = local.alice();
    alice.send(&message("bob@silent.test", "t1", "hello?"));
    alice.send(&message("bob@silent.test", "t2", "hello??"));
    for id in ["t1", "t2"] {
        let received = alice.read_until(&format!("id=\"{id}\""), WAIT);
        assert!(received.contains("<remote-server-timeout"), "{received}");
        alice.read_until("</message>", WAIT);
    }
}

/// The fake peer for `fake.test` (no TLS, dialback accepted blindly).
const FAKE: &str = "tls = \"no\" tls_verify = \"no\"";

fn bodies(text: &str) -> Vec<String> {
    text.split("<body>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</body>").map(|(body, _)| body.to_owned()))
        .collect()
}

/// Reads `n` messages from a peer stream and returns their bodies.
fn read_messages(peer: &mut PeerStream, n: usize) -> Vec<String> {
    let text: String = (0..n).map(|_| peer.expect("</message>", WAIT)).collect();
    assert!(
        text.contains("from=\"alice@localhost/desk\"") && !text.contains("jabber:client"),
        "stanzas go out in jabber:server with the sender's full JID: {text}"
    );
    bodies(&text)
}

/// The peer drops the first connection after the dialback request, while three messages
/// wait: they are sent once, in order, on the second connection. Then the peer drops the
/// established stream with nothing queued: the next message opens a third connection and is
/// delivered exactly once. The console lists the link with its queue.
#[test]
fn queued_stanzas_are_sent_once_after_the_peer_goes_away_mid_stream() {
    let peer = FakePeer::bind();
    let local = Local::start(&remote_domain("fake.test", Some(peer.port()), FAKE), "");
    let mut alice = local.alice();
    alice.send(&format!(
        "{}{}{}",
        message("bob@fake.test", "q1", "one"),
        message("bob@fake.test", "q2", "two"),
        message("bob@fake.test", "q3", "three")
    ));
    let mut first = peer.accept(WAIT);
    let header = first.open("fake.test", "s1");
    assert!(
        header.contains("from=\"localhost\"") && header.contains("to=\"fake.test\""),
        "{header}"
    );
    first.expect("</db:result>", WAIT);
    std::thread::sleep(Duration::from_millis(300));
    drop(first);

    let mut second = peer.accept(WAIT);
    second.open("fake.test", "s2");
    second.accept_dialback("fake.test", "localhost");
    assert_eq!(read_messages(&mut second, 3), ["one", "two", "three"]);
    assert!(
        bodies(&second.rest(Duration::from_millis(500))).is_empty(),
        "nothing is sent twice"
    );
    let listing = local.s2s_listing();
    assert!(
        listing.contains("out  localhost -> fake.test  established")
            && listing.contains("queued 0  sent 3"),
        "{listing}"
    );
    drop(second);
    assert!(
        wait_for_plain_log(&local.server, "queued=0 retry=false", WAIT),
        "{}",
        local.server.log()
    );

    alice.send(&message("bob@fake.test", "q4", "four"));
    let mut third = peer.accept(WAIT);
    third.open("fake.test", "s3");
    third.accept_dialback("fake.test", "localhost");
    assert_eq!(read_messages(&mut third, 1), ["four"]);
    assert!(bodies(&third.rest(Duration::from_millis(500))).is_empty());
    assert!(
        !alice
            .read_until("type=\"error\"", Duration::from_millis(300))
            .contains("type=\"error\""),
        "nothing bounced: {}",
        alice.received()
    );
}

/// Strict defaults refuse bad certificates both ways. Outgoing: bad.test presents a
/// self-signed certificate, which does not chain to `tls_ca`, so alice's message bounces.
/// Inbound: bad.test (which relaxed its own checks) offers dialback with that certificate,
/// and this server refuses it, so bob's message bounces on bad.test.
#[test]
fn bad_certificates_are_refused_by_default() {
    let pki = Pki::new();
    let [b_c2s, b_s2s, b_raw] = free_ports();
    let local = Local::start(
        &remote_domain(
            "bad.test",
            Some(b_s2s),
            &format!("tls_ca = \"{}\"", pki.ca.display()),
        ),
        "",
    );
    let mut bad = Server::start(
        &federated_config(
            "bad.test",
            (b_c2s, b_s2s),
            &pki.self_signed("bad.test"),
            &remote_domain("localhost", Some(local.s2s), "tls_verify = \"no\""),
            &plain_listen(b_raw, ""),
            "",
        ),
        b_c2s,
    );
    bad.wait_for_port(b_s2s);
    bad.wait_for_port(b_raw);

    let mut alice = local.alice();
    alice.send(&message("bob@bad.test", "c1", "hello"));
    let reply = bounce(&mut alice, "c1");
    assert!(
        reply.contains("<remote-server-not-found") && reply.contains("bad certificate"),
        "{reply}"
    );
    assert!(
        local
            .server
            .log()
            .contains("Refused the certificate of a remote server")
    );

    RawClient::create_account_at(b_raw, "bad.test", "bob", "secret");
    let mut bob = RawClient::login_at(b_raw, "bad.test", "bob", "secret", "home");
    bob.send(&message("alice@localhost", "c2", "hello alice"));
    let reply = bounce(&mut bob, "c2");
    assert!(reply.contains("<remote-server-not-found"), "{reply}");
    assert!(
        local.server.wait_for_log(
            "Refused dialback from a server with a bad certificate",
            WAIT
        ),
        "{}",
        local.server.log()
    );
    assert!(
        !alice
            .read_until("hello alice", Duration::from_millis(300))
            .contains("hello alice"),
        "nothing from bad.test was delivered"
    );
}

/// A raw "server" talking to the s2s Listen: a stream to a domain not hosted here is refused
/// with host-unknown; stanzas from a domain not verified on the stream end it with
/// invalid-from (and are not delivered); a forged db:verify is answered invalid; a dialback
/// request whose authoritative server is unreachable is answered with an error; one from a
/// domain this server does not federate with is forbidden.
#[test]
fn inbound_streams_carry_only_verified_domains() {
    let dead = free_port();
    let local = Local::start(&remote_domain("evil.test", Some(dead), FAKE), "");
    let mut alice = local.alice();
    let header = |from: &str, to: &str| {
        format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='{from}' to='{to}' version='1.0'>"
        )
    };

    let mut wrong_host = RawClient::local(local.s2s);
    wrong_host.send(&header("evil.test", "nowhere.test"));
    wrong_host.expect_stream_error("host-unknown");

    let mut spoofer = RawClient::local(local.s2s);
    spoofer.send(&header("evil.test", "localhost"));
    let features = spoofer.read_until("</stream:features>", WAIT);
    assert!(
        features.contains("urn:xmpp:features:dialback"),
        "{features}"
    );
    spoofer.send("<message from='mallory@evil.test/x' to='alice@localhost/desk'><body>spoof</body></message>");
    spoofer.expect_stream_error("invalid-from");

    let mut prober = RawClient::local(local.s2s);
    prober.send(&header("evil.test", "localhost"));
    prober.read_until("</stream:features>", WAIT);
    prober.send("<db:verify from='evil.test' to='localhost' id='forged'>0123abcd</db:verify>");
    let answer = prober.read_until("type=\"invalid\"", WAIT);
    assert!(
        answer.contains(
            "<db:verify from=\"localhost\" to=\"evil.test\" id=\"forged\" type=\"invalid\"/>"
        ),
        "{answer}"
    );
    prober.send("<db:result from='evil.test' to='localhost'>0123abcd</db:result>");
    let answer = prober.read_until("</db:result>", WAIT);
    assert!(
        answer.contains("<db:result from=\"localhost\" to=\"evil.test\" type=\"error\"")
            && answer.contains("<remote-server-not-found"),
        "{answer}"
    );
    prober.take();
    prober.send("<db:result from='unlisted.test' to='localhost'>0123abcd</db:result>");
    let answer = prober.read_until("</db:result>", WAIT);
    assert!(
        answer.contains("type=\"error\"") && answer.contains("<forbidden"),
        "{answer}"
    );
    prober.send(
        "<message from='x@evil.test' to='alice@localhost'><body>still spoof</body></message>",
    );
    prober.expect_stream_error("invalid-from");
    assert!(
        !alice
            .read_until("spoof", Duration::from_millis(300))
            .contains("spoof"),
        "nothing unverified was delivered"
    );
}

/// With `s2s_socks5_proxy`, a `.onion` domain is reached through the proxy by name (no DNS):
/// the proxy is asked for name:5269 and the stream runs through it.
#[test]
fn onion_domains_are_reached_through_the_socks5_proxy() {
    let onion = "impetusxmpptestabcdefghijklmnopqrstuvwxyz234567abcdefgh.onion";
    let proxy = FakePeer::bind();
    let local = Local::start(
        &remote_domain(onion, None, FAKE),
        &format!("s2s_socks5_proxy = \"127.0.0.1:{}\"\n", proxy.port()),
    );
    let mut alice = local.alice();
    alice.send(&message(&format!("bob@{onion}"), "o1", "through tor"));
    let mut tunnel = proxy.accept(WAIT);
    assert_eq!(tunnel.socks5_accept(), (onion.to_owned(), 5269));
    tunnel.open(onion, "o");
    tunnel.accept_dialback(onion, "localhost");
    assert_eq!(read_messages(&mut tunnel, 1), ["through tor"]);
}

/// Bad s2s settings are configuration errors with their location: a name server that is not
/// an address, a route without a port, an unknown `tls` word; and a Domain of another protocol
/// (`#smpp#`) may carry the same TLS options beside an XMPP domain without becoming one.
#[test]
fn bad_s2s_settings_are_configuration_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s2s.conf");
    std::fs::write(
        &path,
        "xmpp { s2s_nameservers = ( \"127.0.0.1:5353\" \"resolver.example\" ) }\n\
         Domain \"b.test\" { XMPP_Role = \"client\" xmpp_route = \"b.test\" tls = \"sometimes\" }\n",
    )
    .expect("write");
    let output = cli(&["check-config", "-c", &path.display().to_string()]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("s2s.conf:2:68: invalid value for 'tls': expected one of: no, ifavailable, required, got 'sometimes'"),
        "{text}"
    );
    std::fs::write(
        &path,
        "xmpp { s2s_nameservers = ( \"127.0.0.1:5353\" \"resolver.example\" ) }\n\
         Domain \"b.test\" { XMPP_Role = \"client\" xmpp_route = \"b.test\" }\n",
    )
    .expect("write");
    let output = cli(&["check-config", "-c", &path.display().to_string()]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("s2s.conf:1:26: invalid name server 'resolver.example'")
            && text.contains("s2s.conf:2:53: invalid route 'b.test'"),
        "{text}"
    );
    std::fs::write(
        &path,
        "xmpp {}\nDomain \"#smpp#b.test\" { tls = \"ifavailable\" tls_verify = \"no\" }\n\
         Domain \"b.test\" { XMPP_Role = \"client\" tls_ca = \"/etc/ssl/certs/ca-certificates.crt\" }\n",
    )
    .expect("write");
    let output = cli(&["check-config", "-c", &path.display().to_string()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
