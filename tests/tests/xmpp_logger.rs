//! xmpp_logger end to end: real sessions exchange stanzas through a running server and the
//! log files are checked line by line against the formats (R, D and M records), `%so` hides
//! message text while `%sr` keeps it, and both SIGHUP and the console's `reopen logs` make the
//! logger follow a rotation (logrotate renames the file, then asks for a reopen).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use impetus_tests::{RawClient, Server, binary, config, free_ports, plain_listen};

const WAIT: Duration = Duration::from_secs(10);

/// Two loggers: `xmpp_logger1` with Momentum's default formats and a 1 s heartbeat, and
/// `bodies` with `%so` for receptions and `%sr` for deliveries.
fn start() -> (Server, u16) {
    let [tls_port, port] = free_ports();
    let global = r#"xmpp_logger "xmpp_logger1" {
  logfile = "{DIR}/xmpplog.ec"
  logmode = 0640
  heartbeat = 1
}
xmpp_logger "bodies" {
  logfile = "{DIR}/bodies.ec"
  log_reception_format = "%t+R+%ai+%so"
  log_delivery_format = "%t+D+%ai+%sr"
  heartbeat = 0
}
Control_Listener { Listen "{DIR}/console.sock" {} }"#;
    let server = Server::start(&config(tls_port, &plain_listen(port, ""), global), tls_port);
    (server, port)
}

/// Waits until `path` has a line containing `needle`; returns the whole file.
fn wait_for_line(path: &Path, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|l| l.contains(needle)) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Checks one line of the default formats and returns its fields: `%t+R+%st+%at+%af+%ai+%ay+%H`
/// (or `D`), or `%t+M`.
fn check_default_line(line: &str) -> Vec<&str> {
    let fields: Vec<&str> = line.split('+').collect();
    let time: u64 = fields[0]
        .parse()
        .unwrap_or_else(|_| panic!("bad %t in {line:?}"));
    assert!(time.abs_diff(now()) < 120, "{line:?}");
    match fields.get(1) {
        Some(&"M") => assert_eq!(fields.len(), 2, "{line:?}"),
        Some(&"R" | &"D") => {
            assert_eq!(fields.len(), 8, "{line:?}");
            assert!(
                ["iq", "message", "presence"].contains(&fields[2]),
                "{line:?}"
            );
            fields[7]
                .parse::<SocketAddr>()
                .unwrap_or_else(|_| panic!("bad %H in {line:?}"));
        }
        _ => panic!("unknown record type in {line:?}"),
    }
    fields
}

#[test]
fn records_follow_the_formats_and_survive_rotation() {
    let (server, port) = start();
    let dir = server.dir.path().to_owned();
    let log = dir.join("xmpplog.ec");
    RawClient::create_account(port, "alice", "secret");
    RawClient::create_account(port, "bob", "secret");
    let mut alice = RawClient::login(port, "alice", "secret", "phone");
    let mut bob = RawClient::login(port, "bob", "secret", "desk");
    bob.send("<presence/>");
    bob.read_until("<presence", WAIT);
    alice.send(
        "<message to='bob@localhost' id='m1' type='chat'><body>secret words</body></message>",
    );
    bob.read_until("secret words", WAIT);
    alice.assert_ping("p1");

    let text = wait_for_line(&log, "+M");
    let text = if text.contains("+p1+") {
        text
    } else {
        wait_for_line(&log, "+p1+")
    };
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&log).expect("log").permissions(),
    );
    assert_eq!(mode & 0o777, 0o640);
    let lines: Vec<Vec<&str>> = text.lines().map(check_default_line).collect();
    let find = |kind: &str, id: &str| {
        lines
            .iter()
            .find(|f| f[1] == kind && f.get(5) == Some(&id))
            .unwrap_or_else(|| panic!("no {kind} record for {id}:\n{text}"))
    };
    let received = find("R", "m1");
    assert_eq!(
        received[2..7],
        [
            "message",
            "bob@localhost",
            "alice@localhost/phone",
            "m1",
            "chat"
        ]
    );
    let delivered = find("D", "m1");
    assert_eq!(
        delivered[2..7],
        [
            "message",
            "bob@localhost",
            "alice@localhost/phone",
            "m1",
            "chat"
        ]
    );
    // %H is the sender's address in R and the recipient's in D: two different sessions.
    assert_ne!(received[7], delivered[7], "{text}");
    // The ping: received from alice, its result delivered back to her session.
    let ping = find("R", "p1");
    assert_eq!(
        ping[2..7],
        ["iq", "localhost", "alice@localhost/phone", "p1", "get"]
    );
    let pong = find("D", "p1");
    assert_eq!(
        pong[2..7],
        ["iq", "alice@localhost/phone", "localhost", "p1", "result"]
    );
    assert_eq!(ping[7], pong[7]);
    // Bob's initial presence is broadcast back to his own session without `to`: %at falls back
    // to the recipient.
    assert!(
        lines
            .iter()
            .any(|f| f[1] == "D" && f[2] == "presence" && f[3] == "bob@localhost/desk"),
        "{text}"
    );

    let bodies = wait_for_line(&dir.join("bodies.ec"), "+D+m1+");
    let r = bodies.lines().find(|l| l.contains("+R+m1+")).expect("R m1");
    assert!(r.ends_with("<body>[12 chars]</body></message>"), "{r}");
    assert!(!r.contains("secret words"), "{r}");
    let d = bodies.lines().find(|l| l.contains("+D+m1+")).expect("D m1");
    assert!(d.ends_with("<body>secret words</body></message>"), "{d}");
    assert!(
        !bodies.contains("+M"),
        "heartbeat = 0 writes none: {bodies}"
    );

    // Rotation with SIGHUP: rename, signal, and the next record lands in a new file.
    std::fs::rename(&log, dir.join("xmpplog.ec.1")).expect("rotate");
    server.signal("HUP");
    assert!(
        server.wait_for_log("Configuration reloaded", WAIT),
        "{}",
        server.log()
    );
    alice.send("<message to='bob@localhost' id='m2'><body>two</body></message>");
    let rotated = wait_for_line(&log, "+m2+");
    assert!(
        rotated.contains("+R+message+bob@localhost+alice@localhost/phone+m2++"),
        "{rotated}"
    );
    assert!(
        !std::fs::read_to_string(dir.join("xmpplog.ec.1"))
            .expect("old")
            .contains("+m2+")
    );

    // Rotation with the console's `reopen logs`.
    std::fs::rename(&log, dir.join("xmpplog.ec.2")).expect("rotate again");
    let socket = dir.join("console.sock");
    let console = Command::new(binary())
        .arg("console")
        .arg(&socket)
        .args(["reopen", "logs"])
        .output()
        .expect("console");
    assert!(console.status.success(), "{console:?}");
    alice.send("<message to='bob@localhost' id='m3'><body>three</body></message>");
    let reopened = wait_for_line(&log, "+m3+");
    assert!(reopened.lines().all(|l| !l.contains("+m2+")), "{reopened}");
    for line in reopened.lines() {
        check_default_line(line);
    }

    // The module's own console command, and its summary line.
    let command = Command::new(binary())
        .arg("console")
        .arg(&socket)
        .args(["xmpp_logger:bodies", "reopen", "logs"])
        .output()
        .expect("console");
    assert!(
        String::from_utf8_lossy(&command.stdout).contains("bodies.ec"),
        "{command:?}"
    );
    let summary = Command::new(binary())
        .arg("console")
        .arg(&socket)
        .arg("summary")
        .output()
        .expect("console");
    let summary = String::from_utf8_lossy(&summary.stdout);
    assert!(summary.contains("XMPP log (xmpp_logger1):"), "{summary}");
    assert!(summary.contains("0 dropped"), "{summary}");
}

/// A format with an unknown macro is a configuration error with its location.
#[test]
fn an_unknown_macro_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.conf");
    std::fs::write(
        &path,
        "xmpp {}\nxmpp_logger \"l\" {\n  logfile = \"/tmp/never-written.ec\"\n  log_delivery_format = \"%t+D+%zz\"\n}\n",
    )
    .expect("write");
    let output = impetus_tests::cli(&["check-config", "-c", path.to_str().expect("utf8")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("bad.conf:2:1: log_delivery_format: unknown macro '%z'"),
        "{stderr}"
    );
    assert!(!Path::new("/tmp/never-written.ec").exists());
}
