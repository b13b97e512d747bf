//! The configuration from the command line and at run time: `check-config` on the sample and
//! on a broken file (every error as FILE:LINE:COL), `dump-config` showing resolved defaults,
//! and SIGHUP reloads that reject a broken file or apply a valid change without dropping
//! existing connections.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use impetus_tests::{RawClient, Server, cli, config, free_ports, plain_listen};

const FIVE_SECONDS: Duration = Duration::from_secs(5);

/// Writes `text` as `impetus.conf` in a new temp dir and runs `impetus <command> -c` on it;
/// returns (temp dir, config path, exit code, stdout, stderr).
fn run_on(command: &str, text: &str) -> (tempfile::TempDir, String, Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("impetus.conf");
    std::fs::write(
        &path,
        text.replace("{DIR}", &dir.path().display().to_string()),
    )
    .expect("write");
    let path = path.display().to_string();
    let output = cli(&[command, "-c", &path]);
    (
        dir,
        path,
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A configuration with exactly two errors, on known lines: an option misspelt inside
/// `xmpp_listener` (line 6) and a Listen (line 7) whose listener has no authentication.
const TWO_ERRORS: &str = r#"spool_base = "{DIR}/spool"
xmpp {}
auth_plain {}
Domain "localhost" { XMPP_Role = "server" }
xmpp_listener {
  idle_tme = 5
  Listen "127.0.0.1:5999" {}
}
"#;

/// The repository's sample configuration checks clean: "Configuration valid", exit 0.
#[test]
fn sample_config_is_valid() {
    let output = cli(&["check-config", "-c", "etc/impetus.conf"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Configuration valid"), "{stdout}");
}

/// A file with two independent errors reports both, each as FILE:LINE:COL with its message
/// (the misspelling with a "did you mean"), and exits 1 without claiming validity.
#[test]
fn check_config_reports_every_error_with_its_position() {
    let (_dir, path, code, stdout, stderr) = run_on("check-config", TWO_ERRORS);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(!stdout.contains("Configuration valid"), "{stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&path)).collect();
    assert!(
        lines.contains(&format!(
            "{path}:6:3: 'idle_tme' is not a valid option in scope 'xmpp_listener'; did you mean 'idle_time'?"
        )
        .as_str()),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{path}:7:3: "))
            && l.contains("AuthPlainParameters")
            && l.contains("AuthDigestMD5Parameters")),
        "{stderr}"
    );
    assert_eq!(lines.len(), 2, "exactly the two errors: {stderr}");
}

/// `dump-config` prints the effective configuration with defaults resolved and marked.
#[test]
fn dump_config_shows_resolved_defaults() {
    let (_dir, _path, code, stdout, stderr) = run_on("dump-config", &config(5999, "", ""));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("listen_backlog = 500  # default"),
        "{stdout}"
    );
    assert!(stdout.contains("idle_time = 0  # default"), "{stdout}");
    assert!(stdout.contains("allow_registration = true\n"), "{stdout}");
    assert!(stdout.contains("Listen \"127.0.0.1:5999\""), "{stdout}");
}

/// SIGHUP with a broken file logs each error with its position and "Reconfigure failed.";
/// the server keeps serving the old configuration, on existing and new connections.
#[test]
fn sighup_with_a_broken_config_keeps_the_running_one() {
    let [tls_port, port] = free_ports();
    let good = config(tls_port, &plain_listen(port, ""), "");
    let mut server = Server::start(&good, tls_port);
    server.wait_for_port(port);
    RawClient::create_account(port, "alice", "secret");
    let mut session = RawClient::login(port, "alice", "secret", "desk");
    server.rewrite_config(&good.replace("allow_registration = true", "allow_registraton = true"));
    server.signal("HUP");
    assert!(
        server.wait_for_log("Reconfigure failed.", FIVE_SECONDS),
        "{}",
        server.log()
    );
    let log = server.log();
    let path = server.config_path().display().to_string();
    assert!(
        log.contains(&format!("{path}:"))
            && log.contains("'allow_registraton' is not a valid option")
            && log.contains("did you mean 'allow_registration'?"),
        "{log}"
    );
    session.assert_ping("after-bad-reload");
    let mut fresh = RawClient::local(port);
    let features = fresh.start();
    assert!(
        features.contains("<register"),
        "the old options still apply: {features}"
    );
}

/// SIGHUP with a valid change (a second Listen) opens the new port, while a session bound
/// before the reload stays connected and served.
#[test]
fn sighup_with_a_new_listen_opens_it_and_keeps_sessions() {
    let [tls_port, port, added] = free_ports();
    let before = config(tls_port, &plain_listen(port, ""), "");
    let mut server = Server::start(&before, tls_port);
    server.wait_for_port(port);
    RawClient::create_account(port, "alice", "secret");
    let mut session = RawClient::login(port, "alice", "secret", "desk");
    let new_addr = SocketAddr::from(([127, 0, 0, 1], added));
    assert!(TcpStream::connect_timeout(&new_addr, Duration::from_secs(1)).is_err());
    server.rewrite_config(&config(
        tls_port,
        &(plain_listen(port, "") + &plain_listen(added, "")),
        "",
    ));
    server.signal("HUP");
    assert!(
        server.wait_for_log("Configuration reloaded", FIVE_SECONDS),
        "{}",
        server.log()
    );
    server.wait_for_port(added);
    let mut fresh = RawClient::local(added);
    fresh.start();
    fresh.authenticate("alice", "secret");
    assert_eq!(fresh.bind("laptop"), "alice@localhost/laptop");
    session.assert_ping("after-reload");
    assert!(!server.log().contains("Reconfigure failed."));
}
