//! Golden tests: every `tests/bad/*.conf` must produce exactly the diagnostics in the
//! matching `.expected` file. `UPDATE_EXPECT=1 cargo test -p impetus-config` rewrites them.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use impetus_config::{Config, load_file, validate};

/// Parse errors stop there (as `impetus check-config` does); otherwise validate.
fn diagnostics(conf: &Path) -> String {
    let (tree, mut diags) = load_file(conf);
    if diags.is_empty() {
        diags = validate(tree, &common::schema()).1;
    }
    diags.iter().map(|d| format!("{d}\n")).collect()
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir("tests/bad")
        .expect("tests/bad exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn bad_configs_produce_the_expected_diagnostics() {
    // Paths in diagnostics are shown relative to the crate (`tests/bad/NAME.conf`).
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("chdir to the crate");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let cases = cases();
    assert!(cases.len() >= 30, "only {} golden cases", cases.len());
    let mut failures = Vec::new();
    for conf in &cases {
        let actual = diagnostics(conf);
        assert!(
            !actual.is_empty(),
            "{} produced no diagnostics",
            conf.display()
        );
        let expected_path = conf.with_extension("expected");
        if update {
            fs::write(&expected_path, &actual).expect("write .expected");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                conf.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden case(s) differ (UPDATE_EXPECT=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_empty_config_is_valid_and_every_default_reads() {
    let schema = common::schema();
    assert!(schema.check_defaults().is_empty());
    let (tree, diags) = impetus_config::parse_str("", "empty.conf");
    assert!(diags.is_empty());
    let (config, diags): (Config, _) = validate(tree, &schema);
    assert!(diags.is_empty(), "{diags:?}");
    let g = common::GlobalOptions::read(&config.global()).expect("globals");
    assert_eq!(g.max_stanza_size.0, 65536);
    assert_eq!(g.relay_hosts.len(), 2);
    assert!(g.reserved_users.is_match("abuse"));
    let d = common::DomainOptions::read(&config.domain("example.com")).expect("domain");
    assert!(d.xmpp_role.is_none() && d.tls_certificate.is_none());
}
