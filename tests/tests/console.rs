//! The console end to end: `ec_console` (as `impetus console`) against a running server's
//! Control_Listener, over a Unix socket (OS-user trust) and over TCP (DIGEST-MD5 login,
//! role-based authorization).

use std::process::{Command, Output};

use impetus_tests::{Server, binary, config, free_port};

fn console(
    endpoint: &str,
    command: &[&str],
    password: Option<&str>,
    stdin: Option<&str>,
) -> Output {
    let mut process = Command::new(binary());
    process.arg("console").arg(endpoint).args(command);
    if let Some(password) = password {
        process.env("IMPETUS_CONSOLE_PASSWORD", password);
    }
    process
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = process.spawn().expect("spawn console");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("console output")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A server with a Unix console socket and a TCP one with DIGEST-MD5 and authorization:
/// `admin` may run anything, `viewer` only `summary` and `version`.
fn start() -> (Server, String, String, tempfile::TempDir) {
    let port = free_port();
    let console_port = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let passwd = dir.path().join("console_passwd");
    for (user, password) in [("admin", "adminpw"), ("viewer", "viewerpw")] {
        let status = Command::new(binary())
            .args(["passwd", "-f"])
            .arg(&passwd)
            .args(["-r", "console", user, password])
            .status()
            .expect("impetus passwd");
        assert!(status.success());
    }
    let roles = dir.path().join("console_roles");
    std::fs::write(&roles, "admin:admin\nviewer:viewer\n").expect("roles");
    let global = format!(
        r#"Control_Listener {{
  Listen "{{DIR}}/console.sock" {{}}
  Listen "127.0.0.1:{console_port}" {{
    AuthDigestMD5Parameters = [ uri = "file://{}" realm = "console" ]
    AuthorizationParameters = [ uri = "groups://{}" ]
  }}
}}
Authorization {{
  Role "admin" {{ allow = ( "." ) }}
  Role "viewer" {{ allow = ( "^summary$" "^version$" ) }}
}}"#,
        passwd.display(),
        roles.display()
    );
    let server = Server::start(&config(port, "", &global), port);
    let socket = server.dir.path().join("console.sock").display().to_string();
    // The password files must outlive the server: the caller keeps `dir`.
    (server, socket, format!("127.0.0.1:{console_port}"), dir)
}

/// `summary`, `version` and `xmpp sessions` work over the Unix socket in batch mode, and an
/// unknown command makes the console exit non-zero.
#[test]
fn unix_socket_commands_in_batch_mode() {
    let (server, socket, _, _files) = start();
    let summary = console(&socket, &["summary"], None, None);
    assert!(summary.status.success(), "{}", text(&summary));
    let out = text(&summary);
    assert!(out.contains("Impetus version"), "{out}");
    assert!(out.contains("XMPP sessions: 0"), "{out}");
    assert!(out.contains("(generation 1)"), "{out}");

    let batch = console(&socket, &[], None, Some("version\npid\nxmpp sessions\n"));
    assert!(batch.status.success(), "{}", text(&batch));
    let out = text(&batch);
    assert!(out.contains(&server.pid().to_string()), "{out}");
    assert!(out.contains("0 session(s)"), "{out}");

    let failed = console(&socket, &["no-such-command"], None, None);
    assert!(!failed.status.success());
    assert!(
        text(&failed).contains("unknown command"),
        "{}",
        text(&failed)
    );
}

/// `config set` applies a change as a new generation, `config get`/`eval` read it back,
/// `config reload` goes back to the file, and a broken file makes the reload fail while the
/// running configuration stays.
#[test]
fn config_commands_and_reload() {
    let (server, socket, _, _files) = start();
    let set = console(
        &socket,
        &["config", "set", "xmpp_listener", "idle_time", "45"],
        None,
        None,
    );
    assert!(set.status.success(), "{}", text(&set));
    assert!(text(&set).contains("generation 2"), "{}", text(&set));
    let get = console(
        &socket,
        &["config", "get", "xmpp_listener", "idle_time"],
        None,
        None,
    );
    assert!(text(&get).contains("idle_time = 45"), "{}", text(&get));
    let eval = console(
        &socket,
        &["config", "eval", "xmpp_listener", "listen_backlog"],
        None,
        None,
    );
    assert!(
        text(&eval).contains("listen_backlog = 500"),
        "{}",
        text(&eval)
    );

    let reload = console(&socket, &["config", "reload"], None, None);
    assert!(reload.status.success(), "{}", text(&reload));
    let get = console(
        &socket,
        &["config", "get", "xmpp_listener", "idle_time"],
        None,
        None,
    );
    assert!(
        !get.status.success(),
        "the console edit survived a reload: {}",
        text(&get)
    );

    let original = std::fs::read_to_string(server.config_path()).expect("config");
    std::fs::write(
        server.config_path(),
        format!("{original}\nbogus_option = 1\n"),
    )
    .expect("break config");
    let broken = console(&socket, &["config", "reload"], None, None);
    assert!(!broken.status.success());
    let out = text(&broken);
    assert!(
        out.contains("bogus_option") && out.contains("Reconfigure failed."),
        "{out}"
    );
    let summary = console(&socket, &["summary"], None, None);
    assert!(summary.status.success(), "{}", text(&summary));
    assert!(
        text(&summary).contains("(generation 3)"),
        "{}",
        text(&summary)
    );
}

/// Over TCP the console logs in with DIGEST-MD5; a wrong password is refused; a `viewer` may
/// run `summary` but gets "Not Authorized" for `shutdown`, and the server keeps running.
#[test]
fn tcp_login_and_authorization() {
    let (server, _, tcp, _files) = start();
    let admin = console(&format!("admin@{tcp}"), &["version"], Some("adminpw"), None);
    assert!(admin.status.success(), "{}", text(&admin));
    assert!(text(&admin).contains("Impetus version"));

    let wrong = console(&format!("admin@{tcp}"), &["version"], Some("nope"), None);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("Authentication failed"),
        "{}",
        text(&wrong)
    );

    let viewer = console(
        &format!("viewer@{tcp}"),
        &["summary"],
        Some("viewerpw"),
        None,
    );
    assert!(viewer.status.success(), "{}", text(&viewer));
    let denied = console(
        &format!("viewer@{tcp}"),
        &["shutdown"],
        Some("viewerpw"),
        None,
    );
    assert!(!denied.status.success());
    assert!(
        text(&denied).contains("Not Authorized for this command"),
        "{}",
        text(&denied)
    );
    let still = console(&format!("admin@{tcp}"), &["pid"], Some("adminpw"), None);
    assert!(
        text(&still).contains(&server.pid().to_string()),
        "{}",
        text(&still)
    );
}

/// `shutdown` from the console stops the server.
#[test]
fn shutdown_stops_the_server() {
    let (server, socket, _, _files) = start();
    let out = console(&socket, &["shutdown"], None, None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        server.wait_for_log("Impetus stopped", std::time::Duration::from_secs(10)),
        "{}",
        server.log()
    );
}
