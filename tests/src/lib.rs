//! The end-to-end test harness: starts the real `impetus` binary on loopback with a config
//! written into a temporary directory, and gives tests a raw-XML client and a way to run the
//! slixmpp scenarios under `tests/interop/`; `s2s.rs` and `dns.rs` add what federation tests
//! need.
//!
//! Servers listen on 127.0.0.1 / ::1 only; every wait is bounded.

pub mod dns;
mod raw;
pub mod s2s;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use raw::RawClient;

/// A running server process; killed on drop.
pub struct Server {
    child: Child,
    /// The temporary directory holding config, store, certificate and log.
    pub dir: tempfile::TempDir,
    /// The STARTTLS client port on 127.0.0.1.
    pub port: u16,
}

/// Path of `name` under the debug target directory, built by `cargo build` (the test command
/// builds it first), e.g. `impetus` or `libexample_so.so`.
pub fn artifact(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build` first (scripts/test does)",
        path.display()
    );
    path
}

/// Path of the `impetus` binary built by `cargo build` (the test command builds it first).
pub fn binary() -> PathBuf {
    artifact("impetus")
}

/// The repository root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `impetus` with `args` (e.g. `check-config -c FILE`) in the repository root and returns
/// its output; bounded by a 60 s timeout.
pub fn cli(args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("60")
        .arg(binary())
        .args(args)
        .current_dir(repository())
        .output()
        .expect("run impetus")
}

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// `N` distinct ports free on 127.0.0.1 right now.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local addr").port())
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

/// A `Listen` on 127.0.0.1:`port` for raw-XML tests: STARTTLS optional and SASL offered before
/// TLS (loopback only), with `extra` options inside its scope.
pub fn plain_listen(port: u16, extra: &str) -> String {
    format!(
        "  Listen \"127.0.0.1:{port}\" {{ tls_required = false sasl_without_tls = true {extra} }}\n"
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

    /// Waits until 127.0.0.1:`port` accepts connections (panics after 20 s or if the server
    /// exited). [`Server::start`] waits only for its own port and the server binds its `Listen`
    /// sockets one by one, so tests call this for every other port they connect to.
    pub fn wait_for_port(&mut self, port: u16) {
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

    /// Replaces the configuration file with `config` (`{DIR}` is replaced by the temp dir),
    /// e.g. before sending SIGHUP.
    pub fn rewrite_config(&self, config: &str) {
        let text = config.replace("{DIR}", &self.dir.path().display().to_string());
        std::fs::write(self.config_path(), text).expect("rewrite config");
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
