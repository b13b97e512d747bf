//! Interop with a real, independent server (issue 5's second "done when"): Debian's Prosody,
//! installed by the test if missing (`tests/interop/prosody/install.sh`), runs on loopback with
//! a private configuration and federates with Impetus over s2s with dialback (self-signed
//! certificates on both sides; Impetus relaxes `tls_verify` for prosody.test, Prosody runs
//! with `s2s_secure_auth = false`). slixmpp users on both servers exchange messages, presence,
//! an IQ, a bounce and a roster subscription (`tests/interop/s2s_chat.py`).
//!
//! Safety (shared/spec/peer-servers.md): Prosody resolves names only from private files
//! (libunbound's `resolvconf`/`hoststxt`), inside a mount namespace whose /etc/resolv.conf and
//! /etc/hosts are private too; its outgoing s2s is limited to `.test` domains by a test module.
//! Impetus listens for s2s on its own loopback address (port 5269, which Prosody's A-record
//! fallback uses) and reaches Prosody by a static route.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use impetus_tests::s2s::{Pki, federated_config, plain_log};
use impetus_tests::{Server, free_ports, run_scenario};

fn interop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/prosody")
}

/// Installs Debian's prosody (and lua-unbound) unless present.
fn install() {
    let output = Command::new("bash")
        .arg(interop().join("install.sh"))
        .output()
        .expect("run install.sh");
    assert!(
        output.status.success(),
        "installing prosody failed (the test needs root and Debian's archive):\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Two loopback addresses (…1 for Impetus, …2 for Prosody) in a /24 of 127/8 chosen per run,
/// with port 5269 free on the first.
fn loopback_pair() -> (Ipv4Addr, Ipv4Addr) {
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
    for attempt in 0..50u64 {
        let n = seed.wrapping_add(attempt * 7919);
        let (b, c) = (100 + (n % 100) as u8, ((n / 100) % 250) as u8 + 1);
        let impetus = Ipv4Addr::new(127, b, c, 1);
        if TcpListener::bind((impetus, 5269)).is_ok() {
            return (impetus, Ipv4Addr::new(127, b, c, 2));
        }
    }
    panic!("no free loopback address with port 5269");
}

/// A Prosody process in its own mount namespace; killed on drop.
struct Prosody {
    child: Child,
    dir: tempfile::TempDir,
}

impl Prosody {
    fn start(
        address: Ipv4Addr,
        (c2s, s2s): (u16, u16),
        (cert, key): &(PathBuf, PathBuf),
        hosts: &str,
    ) -> Prosody {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path();
        std::fs::create_dir_all(path.join("data")).expect("data dir");
        std::fs::write(path.join("resolv.conf"), "nameserver 127.0.0.1\n").expect("resolv.conf");
        std::fs::write(path.join("hosts"), hosts).expect("hosts");
        let template =
            std::fs::read_to_string(interop().join("prosody.cfg.lua.in")).expect("template");
        let config = template
            .replace("@DIR@", &path.display().to_string())
            .replace("@PLUGINS@", &interop().display().to_string())
            .replace("@S2S_IP@", &address.to_string())
            .replace("@C2S_PORT@", &c2s.to_string())
            .replace("@S2S_PORT@", &s2s.to_string())
            .replace("@CERT@", &cert.display().to_string())
            .replace("@KEY@", &key.display().to_string());
        let config_path = path.join("prosody.cfg.lua");
        std::fs::write(&config_path, config).expect("config");
        let script = format!(
            "mount --bind {dir}/resolv.conf /etc/resolv.conf && mount --bind {dir}/hosts /etc/hosts && exec prosody --config {config} -F",
            dir = path.display(),
            config = config_path.display()
        );
        let child = Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::File::create(path.join("stdout.log")).expect("log"),
            ))
            .stderr(Stdio::from(
                std::fs::File::create(path.join("stderr.log")).expect("log"),
            ))
            .spawn()
            .expect("start prosody");
        let mut prosody = Prosody { child, dir };
        prosody.wait_for(SocketAddr::from(([127, 0, 0, 1], c2s)));
        prosody.wait_for(SocketAddr::from((address, s2s)));
        prosody
    }

    fn wait_for(&mut self, address: SocketAddr) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prosody exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "prosody does not listen on {address}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        ["stdout.log", "stderr.log", "prosody.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                format!("--- prosody {name} ---\n{text}\n")
            })
            .collect()
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("{}", self.log());
        }
    }
}

/// Impetus (impetus.test, with the presence scriptlet) and Prosody (prosody.test) federate
/// with dialback both ways: messages both ways, directed presence both ways, a ping to
/// prosody.test, a bounce from Prosody for an unknown user, and a mutual subscription.
#[test]
fn impetus_and_prosody_federate_with_dialback() {
    install();
    let pki = Pki::new();
    let (impetus_ip, prosody_ip) = loopback_pair();
    let [c2s, spare_s2s, prosody_c2s, prosody_s2s] = free_ports();
    let hosts = format!("{impetus_ip} impetus.test\n{prosody_ip} prosody.test\n");
    let prosody = Prosody::start(
        prosody_ip,
        (prosody_c2s, prosody_s2s),
        &pki.self_signed("prosody.test"),
        &hosts,
    );
    let route = format!(
        "Domain \"prosody.test\" {{ XMPP_Role = \"client\" xmpp_route = \"{prosody_ip}:{prosody_s2s}\" tls_verify = \"no\" }}\n"
    );
    let mut impetus = Server::start(
        &federated_config(
            "impetus.test",
            (c2s, spare_s2s),
            &pki.self_signed("impetus.test"),
            &route,
            &format!("  Listen \"{impetus_ip}:5269\" {{}}\n"),
            "scriptlet \"scriptlet\" { script \"xmpp-presence\" { source = \"msys.xmpp.presence\" } }\n",
        ),
        c2s,
    );
    impetus.wait_for_port(spare_s2s);
    let (port_a, port_b) = (c2s.to_string(), prosody_c2s.to_string());
    let output = run_scenario(
        "s2s_chat.py",
        &[
            "127.0.0.1",
            &port_a,
            "impetus.test",
            &port_b,
            "prosody.test",
            "roster",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = format!(
        "s2s_chat.py exited with {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}\n\
         --- impetus log ---\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        impetus.log(),
        prosody.log()
    );
    assert!(
        output.status.success() && stdout.contains("DONE failures=0"),
        "{report}"
    );
    for check in [
        "alice to bob across servers: from",
        "bob to alice's full JID across servers: from",
        "burst message 4 in order: body",
        "bob gets alice's directed presence",
        "alice gets bob's directed presence",
        "alice pings B's domain across",
        "a message to an unknown remote user bounces",
        "alice gets bob's presence after the approval",
        "bob gets alice's presence after the approval",
        "alice sees bob's broadcast away presence",
    ] {
        assert!(
            stdout.contains(&format!("PASS {check}\n")),
            "missing `{check}`\n{report}"
        );
    }
    let log = plain_log(&impetus);
    assert!(log.contains("auth=\"dialback\""), "{report}");
    assert!(
        log.contains("Inbound s2s stream authenticated with dialback"),
        "{report}"
    );
    assert!(log.contains("Answered a dialback verification"), "{report}");
}
