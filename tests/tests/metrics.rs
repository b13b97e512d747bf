//! Metrics end to end: the Prometheus endpoint on `metrics_listen` reports sessions, stanzas,
//! authentication failures by mechanism and storage latency of a running server, the console's
//! `summary` shows the same figures, and a reload moves the endpoint (a non-loopback address is
//! refused).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use impetus_tests::{RawClient, Server, binary, config, free_ports, plain_listen};

fn scrape(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to metrics");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.0 200 OK"), "{response}");
    response
}

fn console(socket: &std::path::Path, command: &[&str]) -> (bool, String) {
    let output = Command::new(binary())
        .arg("console")
        .arg(socket)
        .args(command)
        .output()
        .expect("console");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn endpoint_and_summary_report_the_same_figures() {
    let [tls_port, port, metrics_port, moved_port] = free_ports();
    let global = format!(
        "metrics_listen = \"127.0.0.1:{metrics_port}\"\nControl_Listener {{ Listen \"{{DIR}}/console.sock\" {{}} }}"
    );
    let listens = plain_listen(port, "");
    let mut server = Server::start(&config(tls_port, &listens, &global), tls_port);
    server.wait_for_port(metrics_port);
    RawClient::create_account(port, "alice", "secret");
    let mut alice = RawClient::login(port, "alice", "secret", "phone");
    alice.assert_ping("p1");
    let mut intruder = RawClient::local(port);
    intruder.start();
    let response = base64::engine::general_purpose::STANDARD.encode("\0alice\0wrong");
    intruder.send(&format!(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{response}</auth>"
    ));
    assert!(
        intruder
            .read_until("<failure", Duration::from_secs(5))
            .contains("<failure")
    );

    let text = scrape(metrics_port);
    for expected in [
        "\nimpetus_c2s_sessions 1\n",
        "\nimpetus_stanzas_received_total{type=\"iq\"} 1\n",
        "\nimpetus_stanzas_delivered_total{type=\"iq\"} 1\n",
        "\nimpetus_auth_failures_total{mechanism=\"PLAIN\"} 1\n",
        "\nimpetus_s2s_queued_stanzas 0\n",
        "\nimpetus_storage_seconds_count{op=\"account_create\"} 1\n",
        "# TYPE impetus_lua_hook_seconds histogram\n",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }

    let socket = server.dir.path().join("console.sock");
    let (ok, summary) = console(&socket, &["summary"]);
    assert!(ok, "{summary}");
    for expected in [
        "XMPP sessions: 1",
        "Stanzas received: 1 (iq 1)",
        "Stanzas delivered: 1 (iq 1)",
        "Authentication failures: 1 (PLAIN 1)",
        "S2S queued stanzas: 0",
        "Storage latency: ",
    ] {
        assert!(
            summary.contains(expected),
            "{expected:?} missing:\n{summary}"
        );
    }

    // A reload moves the endpoint; a non-loopback address is refused and nothing changes.
    let moved = config(
        tls_port,
        &listens,
        &global.replace(&metrics_port.to_string(), &moved_port.to_string()),
    );
    server.rewrite_config(&moved);
    let (ok, out) = console(&socket, &["config", "reload"]);
    assert!(ok, "{out}");
    server.wait_for_port(moved_port);
    scrape(moved_port);
    assert!(TcpStream::connect(("127.0.0.1", metrics_port)).is_err());
    server.rewrite_config(&moved.replace(
        "metrics_listen = \"127.0.0.1:",
        "metrics_listen = \"0.0.0.0:",
    ));
    let (ok, out) = console(&socket, &["config", "reload"]);
    assert!(!ok && out.contains("loopback"), "{out}");
    scrape(moved_port);
}
