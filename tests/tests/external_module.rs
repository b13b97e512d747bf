//! External modules loaded from shared objects through the versioned C ABI: the sample
//! `example_so` module (built by `cargo build`) configures, logs and refuses its `deny_peer`
//! in `validate_connect`; a module built for another ABI version, or a missing file, is
//! refused by `check-config` with a clear error.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use impetus_tests::{RawClient, Server, artifact, cli, config, free_port};

/// A configuration loading the shared object at `path` as `example_so`.
fn with_module(port: u16, path: &Path) -> String {
    let modules = format!(
        "external_module \"example_so\" {{ path = \"{}\" }}\nexample_so {{ deny_peer = \"127.0.0.3\" }}",
        path.display()
    );
    config(port, "", &modules)
}

/// Runs `impetus check-config` on `text` written to `dir`; returns (exit code, stdout+stderr).
fn check_config(dir: &Path, text: &str) -> (Option<i32>, String) {
    let path = dir.join("impetus.conf");
    std::fs::write(&path, text.replace("{DIR}", &dir.display().to_string())).expect("write");
    let output = cli(&["check-config", "-c", &path.display().to_string()]);
    let mut all = String::from_utf8_lossy(&output.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), all)
}

/// The sample module loads: its configure log line names `deny_peer`, connections from
/// 127.0.0.3 are closed before any byte by its `validate_connect` hook (which logs them), and
/// 127.0.0.1 is served.
#[test]
fn example_so_refuses_its_deny_peer() {
    let port = free_port();
    let server = Server::start(&with_module(port, &artifact("libexample_so.so")), port);
    assert!(
        server.wait_for_log(
            "example_so configured; deny_peer = Some(\"127.0.0.3\")",
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
    let mut refused = RawClient::connect_from(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)),
        SocketAddr::from(([127, 0, 0, 1], port)),
    );
    assert!(
        refused.closed_within(Duration::from_secs(5)),
        "127.0.0.3 was not disconnected"
    );
    assert_eq!(refused.received(), "");
    assert!(server.wait_for_log(
        "example_so refused a connection from 127.0.0.3",
        Duration::from_secs(5)
    ));
    assert!(server.log().contains("refused by module example_so"));
    let mut allowed = RawClient::local(port);
    let features = allowed.start();
    assert!(features.contains("<stream:features>"), "{features}");
}

/// A shared object whose entry returns ABI version 2 is refused: `check-config` exits 1 and
/// names both the module's version 2 and the supported version 1.
#[test]
fn module_for_another_abi_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("future.c");
    std::fs::write(
        &source,
        "#include <stdint.h>\n\
         struct future_module { uint32_t abi_version; const char *name; };\n\
         static const struct future_module MODULE = { 2, \"example_so\" };\n\
         const void *impetus_module_entry(void) { return &MODULE; }\n",
    )
    .expect("write C source");
    let library = dir.path().join("libfuture.so");
    let built = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .output()
        .expect("run gcc (needed to build a foreign-ABI module)");
    assert!(
        built.status.success(),
        "gcc failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let (code, output) = check_config(dir.path(), &with_module(free_port(), &library));
    assert_eq!(code, Some(1), "{output}");
    let error = format!(
        "impetus.conf:6:1: {} was built for module ABI version 2, but this server supports version 1",
        library.display()
    );
    assert!(output.contains(&error), "{output}");
    assert!(!output.contains("Configuration valid"), "{output}");
}

/// A `path` that does not exist is reported with the path and "no such file", exit 1.
#[test]
fn missing_module_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-module.so");
    let (code, output) = check_config(dir.path(), &with_module(free_port(), &missing));
    assert_eq!(code, Some(1), "{output}");
    let message = format!("cannot load module {}: no such file", missing.display());
    assert!(output.contains(&message), "{output}");
}

/// A file that is not a shared object is reported with the loader's own reason, exit 1.
#[test]
fn non_library_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.so");
    std::fs::write(&text, "not an ELF file\n".repeat(64)).expect("write");
    let (code, output) = check_config(dir.path(), &with_module(free_port(), &text));
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains(&format!(
            "cannot load module {}: dlopen failed: ",
            text.display()
        )),
        "{output}"
    );
    assert!(
        output.contains("invalid ELF header"),
        "the loader's reason is shown: {output}"
    );
}
