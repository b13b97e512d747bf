//! The load tool (`impetus-bench`) against the real server, as a concurrency test: many users
//! subscribing to each other at once through the presence scriptlet (two worker threads
//! changing the same rosters) must end with every subscription made and every presence
//! delivered, and pairs exchanging messages must lose and duplicate nothing.

use std::process::Command;

use impetus_tests::{Server, artifact, config, free_port};
use serde_json::Value;

fn start_with_presence_script() -> Server {
    let port = free_port();
    let scriptlet = "scriptlet \"scriptlet\" {\n  script \"xmpp-presence\" { source = \"msys.xmpp.presence\" }\n}\n";
    Server::start(&config(port, "", scriptlet), port)
}

/// Runs the tool with `args` after the shared options and returns its JSON summary.
fn bench(server: &Server, args: &[&str]) -> Value {
    let address = format!("127.0.0.1:{}", server.port);
    let output = Command::new(artifact("impetus-bench"))
        .args(["--server", &address, "--mechanism", "PLAIN", "--register"])
        .args(["--progress", "0", "--deadline", "120"])
        .args(args)
        .output()
        .expect("run impetus-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "no JSON summary ({e}):\n{stdout}\n--- stderr ---\n{}\n--- server log ---\n{}",
            String::from_utf8_lossy(&output.stderr),
            server.log()
        )
    })
}

#[test]
fn concurrent_subscriptions_lose_no_roster_change() {
    let server = start_with_presence_script();
    let summary = bench(
        &server,
        &[
            "presence",
            "--users",
            "100",
            "--roster",
            "10",
            "--duration",
            "3",
        ],
    );
    let subscriptions = &summary["subscriptions"];
    assert_eq!(
        subscriptions["confirmed"], subscriptions["expected"],
        "{summary:#}"
    );
    assert_eq!(summary["missing"], 0, "{summary:#}");
    assert_eq!(summary["drained"], true, "{summary:#}");
    assert!(
        summary["deliveries_total"].as_u64() > Some(0),
        "{summary:#}"
    );
}

#[test]
fn messages_between_pairs_are_neither_lost_nor_duplicated() {
    let server = start_with_presence_script();
    let summary = bench(
        &server,
        &["msg", "--pairs", "20", "--window", "10", "--duration", "2"],
    );
    assert_eq!(summary["lost"], 0, "{summary:#}");
    assert_eq!(summary["duplicated"], 0, "{summary:#}");
    assert_eq!(summary["drained"], true, "{summary:#}");
    assert!(
        summary["delivered_total"].as_u64() > Some(100),
        "{summary:#}"
    );
}
