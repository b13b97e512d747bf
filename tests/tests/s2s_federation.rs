//! Federation between two Impetus servers on loopback (issue 5's first "done when"): each
//! hosts its own domain with its own CA-signed certificate, they reach each other through
//! static routes (or SRV records from a fake DNS server), and slixmpp clients on both sides
//! exchange messages, directed presence, IQs, bounces and roster subscriptions
//! (`tests/interop/s2s_chat.py`).

use std::time::Duration;

use impetus_tests::dns::{FakeDns, Zone};
use impetus_tests::s2s::{Pki, federated_config, plain_log, remote_domain};
use impetus_tests::{Server, free_ports, run_scenario};

/// The scriptlet stanza loading the shipped roster and presence script.
const ROSTER: &str =
    "scriptlet \"scriptlet\" { script \"xmpp-presence\" { source = \"msys.xmpp.presence\" } }\n";

/// Starts a server for `domain` on `(c2s, s2s)` and waits for both sockets.
fn start(config: &str, (c2s, s2s): (u16, u16)) -> Server {
    let mut server = Server::start(config, c2s);
    server.wait_for_port(s2s);
    server
}

/// Runs `s2s_chat.py` between the two servers and asserts every listed check passed.
fn chat(a: &Server, b: &Server, mode: &str, expected: &[&str]) {
    let (port_a, port_b) = (a.port.to_string(), b.port.to_string());
    let output = run_scenario(
        "s2s_chat.py",
        &["127.0.0.1", &port_a, "a.test", &port_b, "b.test", mode],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = format!(
        "s2s_chat.py exited with {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}\n\
         --- log of a.test ---\n{}\n--- log of b.test ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        a.log(),
        b.log()
    );
    assert!(output.status.success(), "{report}");
    assert!(stdout.contains("DONE failures=0"), "{report}");
    for check in expected {
        assert!(
            stdout.contains(&format!("PASS {check}\n")),
            "missing `{check}`\n{report}"
        );
    }
}

const CHAT: &[&str] = &[
    "alice to bob across servers: from",
    "bob to alice's full JID across servers: body",
    "bob to alice's full JID across servers: from",
    "burst message 4 in order: body",
    "bob gets alice's directed presence",
    "alice gets bob's directed presence",
    "alice pings B's domain across",
    "a message to an unknown remote user bounces",
    "the bounce comes from the remote user",
];

/// Strict defaults (TLS required, certificates checked against the domain): both servers
/// present CA-signed certificates, verify each other's against `tls_ca`, and authenticate
/// with SASL EXTERNAL in both directions; messages, presence, IQs, bounces and a mutual roster
/// subscription (the presence scriptlet on both sides) cross the link.
#[test]
fn two_servers_federate_with_certificates_and_sasl_external() {
    let pki = Pki::new();
    let [a_c2s, a_s2s, b_c2s, b_s2s] = free_ports();
    let ca = format!("tls_ca = \"{}\"", pki.ca.display());
    let a = start(
        &federated_config(
            "a.test",
            (a_c2s, a_s2s),
            &pki.issue("a.test"),
            &remote_domain("b.test", Some(b_s2s), &ca),
            "",
            ROSTER,
        ),
        (a_c2s, a_s2s),
    );
    let b = start(
        &federated_config(
            "b.test",
            (b_c2s, b_s2s),
            &pki.issue("b.test"),
            &remote_domain("a.test", Some(a_s2s), &ca),
            "",
            ROSTER,
        ),
        (b_c2s, b_s2s),
    );
    let mut expected = CHAT.to_vec();
    expected.extend([
        "bob gets alice's subscription request",
        "alice gets bob's approval",
        "alice gets bob's presence after the approval",
        "bob gets alice's presence after the approval",
        "alice sees bob's broadcast away presence",
    ]);
    chat(&a, &b, "roster", &expected);
    for (server, remote) in [(&a, "b.test"), (&b, "a.test")] {
        let log = plain_log(server);
        assert!(
            log.contains("Server-to-server connection established")
                && log.contains(&format!("remote={remote}"))
                && log.contains("auth=\"EXTERNAL\""),
            "{log}"
        );
        assert!(
            log.contains("Inbound s2s stream authenticated with SASL EXTERNAL"),
            "{log}"
        );
        assert!(!log.contains("dialback"), "no dialback was needed:\n{log}");
    }
}

/// Relaxed policy (`tls_verify = "no"`, no `tls_ca`: the peers' certificates prove nothing):
/// dialback alone authenticates both directions, each receiving server checking the key with
/// the other's authoritative server over a separate connection. b.test is found through SRV
/// records served by a fake DNS server (`s2s_nameservers`), not a static route: the
/// `_xmpps-server._tcp` record (XEP-0368) wins on priority, so a.test connects with direct TLS
/// to b.test's `tls_direct` Listen.
#[test]
fn dialback_authenticates_when_certificates_prove_nothing_and_srv_finds_the_server() {
    let pki = Pki::new();
    let [a_c2s, a_s2s, b_c2s, b_s2s, b_direct] = free_ports();
    let target = || "xmpp.b.test.".to_owned();
    let dns = FakeDns::start(vec![
        Zone::Srv(
            "_xmpps-server._tcp.b.test.".into(),
            5,
            0,
            b_direct,
            target(),
        ),
        Zone::Srv("_xmpp-server._tcp.b.test.".into(), 10, 0, b_s2s, target()),
        Zone::A("xmpp.b.test.".into(), [127, 0, 0, 1].into()),
    ]);
    let relaxed = "tls_verify = \"no\"";
    let a = start(
        &federated_config(
            "a.test",
            (a_c2s, a_s2s),
            &pki.issue("a.test"),
            &remote_domain("b.test", None, relaxed),
            "",
            &format!("s2s_nameservers = ( \"{}\" )\n", dns.address),
        ),
        (a_c2s, a_s2s),
    );
    let mut b = start(
        &federated_config(
            "b.test",
            (b_c2s, b_s2s),
            &pki.self_signed("b.test"),
            &remote_domain("a.test", Some(a_s2s), relaxed),
            &format!("  Listen \"127.0.0.1:{b_direct}\" {{ tls_direct = true }}\n"),
            "",
        ),
        (b_c2s, b_s2s),
    );
    b.wait_for_port(b_direct);
    chat(&a, &b, "", CHAT);
    let questions = dns.questions();
    assert!(
        questions
            .iter()
            .any(|q| q == "_xmpp-server._tcp.b.test. SRV")
            && questions
                .iter()
                .any(|q| q == "_xmpps-server._tcp.b.test. SRV")
            && questions.iter().any(|q| q.starts_with("xmpp.b.test. ")),
        "{questions:?}"
    );
    let direct = format!("remote=b.test peer=127.0.0.1:{b_direct}");
    assert!(plain_log(&a).contains(&direct), "{}", plain_log(&a));
    for server in [&a, &b] {
        let log = plain_log(server);
        assert!(log.contains("auth=\"dialback\""), "{log}");
        assert!(
            log.contains("Inbound s2s stream authenticated with dialback"),
            "{log}"
        );
        assert!(
            log.contains("Dialback key verified by the authoritative server"),
            "{log}"
        );
    }
    assert!(
        b.wait_for_log("Answered a dialback verification", Duration::from_secs(1)),
        "{}",
        b.log()
    );
}
