//! End-to-end tests of the scriptlet module in the real binary: the shipped
//! `msys.xmpp.presence` script driven by slixmpp (`tests/interop/roster_presence.py`), and a
//! `validate_connect` script (`tests/interop/refuse_peer.lua`) refusing 127.0.0.2.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use impetus_tests::{Server, config, free_port, run_scenario};

/// The scriptlet stanza loading the presence script and the test policy script.
fn scriptlets() -> String {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    format!(
        "scriptlet \"scriptlet\" {{\n  script_path = ( \"{}\" )\n  \
         script \"xmpp-presence\" {{ source = \"msys.xmpp.presence\" }}\n  \
         script \"refuse_peer\" {{ source = \"refuse_peer\" }}\n}}\n",
        interop.display()
    )
}

fn start() -> Server {
    let port = free_port();
    Server::start(&config(port, "", &scriptlets()), port)
}

/// Mutual subscription with presence on every resource, unsubscribe, block/unblock with the
/// contact kept in the roster, and an unchanged roster version answered with an empty result.
#[test]
fn roster_subscriptions_presence_and_blocking_with_slixmpp() {
    let server = start();
    let port = server.port.to_string();
    let output = run_scenario("roster_presence.py", &["127.0.0.1", &port]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = format!(
        "--- stdout ---\n{stdout}\n--- stderr ---\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    assert!(output.status.success(), "{report}");
    assert!(stdout.contains("DONE failures=0"), "{report}");
    for check in [
        "bob gets alice's request",
        "alice's item is pending out",
        "alice's roster: bob, both",
        "alice/desk sees bob's away presence",
        "alice/phone sees bob's away presence",
        "bob sees alice/phone's dnd",
        "unchanged roster version gives an empty result",
        "bob gets unavailable from alice/desk",
        "bob's roster after unsubscribe",
        "bob's message to alice bounces",
        "bob stays in alice's roster",
        "bob's message reaches alice after unblock",
        "bob sees alice/phone leave",
    ] {
        assert!(
            stdout.contains(&format!("PASS {check}\n")),
            "missing {check}\n{report}"
        );
    }
}

/// Reads what the server sends after a stream header, until it closes or 3 s pass.
fn exchange(mut stream: TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    let _ = stream.write_all(
        b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' \
          xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buffer[..n]);
        if got.windows(9).any(|w| w == b"features>") {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// A `validate_connect` scriptlet refuses 127.0.0.2 before any byte is read (Momentum's way
/// to deny a peer) while 127.0.0.1 is served.
#[test]
fn validate_connect_script_refuses_127_0_0_2() {
    let server = start();
    let target: SocketAddr = format!("127.0.0.1:{}", server.port).parse().expect("addr");
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let source: SocketAddr = "127.0.0.2:0".parse().expect("addr");
    socket.bind(&source.into()).expect("bind 127.0.0.2");
    socket
        .connect(&target.into())
        .expect("connect from 127.0.0.2");
    let refused = exchange(socket.into());
    assert!(
        refused.is_empty(),
        "127.0.0.2 got {refused}\n{}",
        server.log()
    );
    let served = exchange(TcpStream::connect(target).expect("connect from 127.0.0.1"));
    assert!(
        served.contains("<stream:features"),
        "127.0.0.1 got {served}\n{}",
        server.log()
    );
    assert!(
        server.wait_for_log(
            "Connection refused by validate_connect",
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
    assert!(
        server.log().contains("127.0.0.2 is not welcome"),
        "{}",
        server.log()
    );
}
