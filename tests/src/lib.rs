//! The end-to-end test harness: starts the real `impetus` binary on loopback with a config
//! written into a temporary directory, and gives tests a raw-XML client and a way to run the
//! slixmpp scenarios under `tests/interop/`.
//!
//! Servers listen on 127.0.0.1 / ::1 only; every wait is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running server process; killed on drop.
pub struct Server {
    child: Child,
    /// The temporary directory holding config, store, certificate and log.
    pub dir: tempfile::TempDir,
    /// The STARTTLS client port on 127.0.0.1.
    pub port: u16,
}

/// Path of the `impetus` binary built by `cargo build` (the test command builds it first).
pub fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/impetus");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build` first (scripts/test does)",
        path.display()
    );
    path
}

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// The standard test configuration: domain `localhost`, accounts in the embedded store with
/// in-band registration, a generated certificate, PLAIN/SCRAM/DIGEST-MD5, one STARTTLS listen
/// on `port`. `listener_extra` is inserted inside `xmpp_listener`, `global_extra` at top level.
pub fn config(port: u16, listener_extra: &str, global_extra: &str) -> String {
    format!(
        r#"spool_base = "{{DIR}}/spool"
xmpp {{}}
auth_scram {{}}
auth_plain {{}}
auth_digestmd5 {{}}
{global_extra}
Domain "localhost" {{ XMPP_Role = "server" }}
xmpp_listener {{
  AuthPlainParameters = [ uri = "datasource://" ]
  AuthDigestMD5Parameters = [ uri = "datasource://" realm = "localhost" ]
  allow_registration = true
  registration_throttle = "1000/60"
  tls_certificate = "{{DIR}}/tls/cert.pem"
  tls_key = "{{DIR}}/tls/key.pem"
  tls_self_signed = true
  Listen "127.0.0.1:{port}" {{}}
{listener_extra}
}}
"#
    )
}

impl Server {
    /// Starts the server with `config` (`{DIR}` is replaced by the temp dir) and waits until
    /// `port` accepts connections.
    pub fn start(config: &str, port: u16) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = config.replace("{DIR}", &dir.path().display().to_string());
        let config_path = dir.path().join("impetus.conf");
        std::fs::write(&config_path, text).expect("write config");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let child = Command::new(binary())
            .arg("-c")
            .arg(&config_path)
            .env(
                "RUST_LOG",
                std::env::var("IMPETUS_TEST_LOG").unwrap_or_else(|_| "info,mod_xmpp=debug".into()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn impetus");
        let mut server = Server { child, dir, port };
        server.wait_for_port(port);
        server
    }

    /// Starts the standard configuration on a fresh port.
    pub fn start_default() -> Server {
        let port = free_port();
        Server::start(&config(port, "", ""), port)
    }

    fn wait_for_port(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("impetus exited with {status}:\n{}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "impetus did not listen on {port} within 20 s:\n{}",
            self.log()
        );
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The configuration file path.
    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("impetus.conf")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal to the server (e.g. `libc`-free: via the `kill` command).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits up to `timeout` for `needle` to appear in the log.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- server log ---\n{}", self.log());
        }
    }
}

/// A blocking raw-XML client for malformed-input tests.
pub struct RawClient {
    stream: TcpStream,
    received: String,
}

impl RawClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> RawClient {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        RawClient {
            stream,
            received: String::new(),
        }
    }

    /// Connects to 127.0.0.1:`port`.
    pub fn local(port: u16) -> RawClient {
        RawClient::connect(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Sends raw bytes.
    pub fn send(&mut self, data: &str) {
        self.stream.write_all(data.as_bytes()).expect("send");
    }

    /// Sends a client stream header for `localhost`.
    pub fn open(&mut self) {
        self.send("<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
    }

    /// Reads until `needle` was received (returns everything so far) or the connection closed
    /// or `timeout` passed (then returns what arrived, which will not contain `needle`).
    pub fn read_until(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut buffer = [0u8; 4096];
        while !self.received.contains(needle) && Instant::now() < deadline {
            match self.stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => self
                    .received
                    .push_str(&String::from_utf8_lossy(&buffer[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(_) => break,
            }
        }
        self.received.clone()
    }

    /// Whether the server closed the connection within `timeout`.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut buffer = [0u8; 4096];
        while Instant::now() < deadline {
            match self.stream.read(&mut buffer) {
                Ok(0) => return true,
                Ok(n) => self
                    .received
                    .push_str(&String::from_utf8_lossy(&buffer[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(_) => return true,
            }
        }
        false
    }
}

/// The Python with slixmpp (set by `scripts/test`, else the repository's `.venv`).
pub fn python() -> PathBuf {
    std::env::var_os("IMPETUS_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

/// Runs `tests/interop/<script>` with `args`; the scenario prints `PASS ...`/`FAIL ...` lines
/// and exits non-zero on failure. Bounded by a 120 s timeout.
pub fn run_scenario(script: &str, args: &[&str]) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("interop")
        .join(script);
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/test to create the virtualenv with slixmpp",
        python.display()
    );
    Command::new("timeout")
        .arg("120")
        .arg(&python)
        .arg(&path)
        .args(args)
        .output()
        .expect("run python")
}
