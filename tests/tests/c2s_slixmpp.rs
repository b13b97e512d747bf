//! End-to-end tests of the client side (c2s) driven by a real client library: each test starts
//! its own server and runs a slixmpp scenario from `tests/interop/`, which prints one
//! `PASS`/`FAIL` line per check and exits non-zero if any failed.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use impetus_tests::{Server, config, free_port, run_scenario};

/// Runs `script` against `server` (extra arguments after host and port), asserts it succeeded
/// and that every check in `expected` passed (so a scenario cannot skip a check silently).
fn scenario(server: &Server, script: &str, extra: &[&str], expected: &[&str]) {
    let port = server.port.to_string();
    let mut args = vec!["127.0.0.1", port.as_str()];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let output = run_scenario(script, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = format!(
        "{script} exited with {} after {:?}\n--- stdout ---\n{stdout}\n\
         --- stderr ---\n{stderr}\n--- server log ---\n{}",
        output.status,
        started.elapsed(),
        server.log()
    );
    assert!(output.status.success(), "{report}");
    assert!(stdout.contains("DONE failures=0"), "{report}");
    assert!(!stdout.contains("FAIL "), "{report}");
    for check in expected {
        let line = format!("PASS {check}\n");
        assert!(stdout.contains(&line), "missing `{line}`\n{report}");
    }
}

/// Waits (bounded) until a second listener of `server` accepts connections on `port`.
fn wait_for_listener(server: &Server, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "port {port} never opened:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Accounts created by in-band registration (XEP-0077) log in with each SASL mechanism when
/// slixmpp is forced to it (PLAIN, DIGEST-MD5, SCRAM-SHA-1/256/512 and SCRAM-SHA-256/512-PLUS
/// with tls-exporter over TLS 1.3); wrong passwords and a forged channel binding are refused
/// with not-authorized, and the server keeps serving afterwards.
#[test]
fn registration_then_login_with_each_sasl_mechanism() {
    let server = Server::start_default();
    scenario(
        &server,
        "sasl.py",
        &[],
        &[
            "register alice",
            "register alice again is a conflict",
            "login PLAIN used PLAIN",
            "login DIGEST-MD5 used DIGEST-MD5",
            "login SCRAM-SHA-1 used SCRAM-SHA-1",
            "login SCRAM-SHA-256 used SCRAM-SHA-256",
            "login SCRAM-SHA-512 used SCRAM-SHA-512",
            "login SCRAM-SHA-256-PLUS used SCRAM-SHA-256-PLUS",
            "login SCRAM-SHA-512-PLUS used SCRAM-SHA-512-PLUS",
            "wrong password with PLAIN condition",
            "wrong password with SCRAM-SHA-256 condition",
            "wrong password with DIGEST-MD5 condition",
            "forged tls-exporter binding condition",
            "server still serves after failures",
        ],
    );
    assert!(
        server.log().contains("Account registered in-band"),
        "{}",
        server.log()
    );
}

/// Two users exchange messages both ways with the server stamping the sender's full JID (a
/// forged `from` is overwritten); a message to one full JID of a user reaches only that
/// resource, and one to the bare JID reaches every available resource but not a resource
/// that sent no initial presence.
#[test]
fn messages_between_users_and_between_resources() {
    let server = Server::start_default();
    scenario(
        &server,
        "messaging.py",
        &[],
        &[
            "alice to bob's bare JID: from",
            "bob to alice's full JID: body",
            "bob to alice's full JID: from",
            "own full JID reaches phone: from",
            "full JID reaches phone: body",
            "bare JID reaches phone: body",
            "bare JID reaches desk, full JIDs did not: body",
            "unavailable tablet skipped by bare JID, reached by full JID: body",
        ],
    );
}

/// Messages to an offline user are stored and delivered after the user's initial presence
/// (not before), in order and with a `urn:xmpp:delay` stamp from the server, exactly once;
/// live messages carry no delay.
#[test]
fn offline_messages_delivered_in_order_once() {
    let server = Server::start_default();
    scenario(
        &server,
        "offline.py",
        &[],
        &[
            "nothing delivered before initial presence",
            "offline message 1: body in order",
            "offline message 2: body in order",
            "offline message 3: body in order",
            "offline message 3: has urn:xmpp:delay",
            "offline message 3: delay stamp is recent UTC",
            "live message has no delay",
            "offline messages not delivered twice",
        ],
    );
}

/// XEP-0077 through slixmpp's own calls (IQs without `to`): a password change replaces the
/// secrets of every mechanism; removal closes the stream with not-authorized, later logins
/// fail, messages to the account bounce with service-unavailable and are not stored, and
/// nobody can remove another user's account.
#[test]
fn password_change_and_account_removal() {
    let server = Server::start_default();
    scenario(
        &server,
        "accounts.py",
        &[],
        &[
            "registration form says registered",
            "change password",
            "old password with PLAIN condition",
            "old password with SCRAM-SHA-256 condition",
            "old password with DIGEST-MD5 condition",
            "new password accepted with SCRAM-SHA-1",
            "new password accepted with DIGEST-MD5",
            "bob cannot remove erin's account",
            "remove account",
            "removed account's stream error",
            "removed account login condition",
            "bounce condition",
            "bounced message was not stored",
        ],
    );
    assert!(
        server.log().contains("Account removed in-band"),
        "{}",
        server.log()
    );
}

/// A second `Listen` with `tls_direct = true` (XEP-0368) speaks TLS 1.3 from the first byte
/// and offers no STARTTLS; registration and logins (including SCRAM-SHA-256-PLUS) work there,
/// and its sessions exchange messages with sessions on the STARTTLS port.
#[test]
fn direct_tls_listener_serves_clients() {
    let port = free_port();
    let direct = free_port();
    let listen = format!("  Listen \"127.0.0.1:{direct}\" {{ tls_direct = true }}");
    let server = Server::start(&config(port, &listen, ""), port);
    wait_for_listener(&server, direct);
    scenario(
        &server,
        "direct_tls.py",
        &[&direct.to_string()],
        &[
            "register frank over direct TLS",
            "direct TLS login PLAIN used PLAIN",
            "direct TLS login SCRAM-SHA-256-PLUS used SCRAM-SHA-256-PLUS",
            "direct TLS PLAIN runs TLS 1.3",
            "direct TLS PLAIN was not offered STARTTLS",
            "gina receives frank's message",
            "frank's message from",
            "gina's message from",
        ],
    );
}

/// The server answers disco#info (identity server/im, features including ping, version, time
/// and register), XEP-0199 ping, XEP-0092 version (name and this build's version) and XEP-0202
/// time (UTC, close to now), and answers IQs in an unknown namespace with service-unavailable
/// without harming the session.
#[test]
fn server_answers_disco_ping_version_time_and_rejects_unknown_iqs() {
    let server = Server::start_default();
    scenario(
        &server,
        "server_iq.py",
        &[env!("CARGO_PKG_VERSION")],
        &[
            "disco#info feature urn:xmpp:ping",
            "disco#info feature jabber:iq:version",
            "disco#info identity server/im",
            "ping result from",
            "version name",
            "version number",
            "time utc is now",
            "unknown get to localhost condition",
            "unknown set to localhost condition",
            "unknown get to own account condition",
            "session still usable after errors",
        ],
    );
}
