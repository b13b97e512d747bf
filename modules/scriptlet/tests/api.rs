//! The scriptlet host at its boundaries: configuration errors (name mismatch, unknown hook,
//! failing `init`, syntax errors, missing sources, two instance names), the Lua API exercised
//! by `scriptlets/tests/lua/api_selftest.lua`, `validate_connect` refusing a peer, Lua states
//! reused across calls, and the instruction budget stopping an endless loop.

mod common;

use std::net::IpAddr;
use std::path::Path;

use common::{World, config, configure};
use impetus_runtime::Flow;
use impetus_runtime::listener::{ConnectAttempt, VALIDATE_CONNECT};
use impetus_storage::Store;

/// A scriptlet body loading `scripts` (`name`, `source`) with the test scripts on the path.
fn body(scripts: &[(&str, &str)], extra: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scriptlets/tests");
    let mut body = format!("  script_path = ( \"{}\" )\n{extra}\n", dir.display());
    for (name, source) in scripts {
        body.push_str(&format!(
            "  script \"{name}\" {{ source = \"{source}\" }}\n"
        ));
    }
    body
}

/// A config whose scripts are written into the config's own directory.
fn with_files(files: &[(&str, &str)], scripts: &[(&str, &str)], extra: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).map_err(|e| e.to_string())?;
    }
    let mut text = format!(
        "  script_path = ( \"{}\" )\n{extra}\n",
        dir.path().display()
    );
    for (name, source) in scripts {
        text.push_str(&format!(
            "  script \"{name}\" {{ source = \"{source}\" }}\n"
        ));
    }
    configure(&config(&text)).map(|_| ())
}

fn attempt(ip: &str) -> ConnectAttempt {
    ConnectAttempt {
        listener: "xmpp_listener".into(),
        local: "127.0.0.1:5222".into(),
        peer: ip.parse::<IpAddr>().expect("ip"),
        refuse: None,
    }
}

#[test]
fn a_script_must_register_its_own_name() {
    let error = with_files(
        &[(
            "wrong.lua",
            "msys.registerModule('other', { validate_connect = function() end })",
        )],
        &[("mine", "wrong")],
        "",
    )
    .expect_err("a mismatch is a configuration error");
    assert!(
        error.contains("script 'mine' must call msys.registerModule(\"mine\"")
            && error.contains("\"other\""),
        "{error}"
    );
    let error = with_files(
        &[("silent.lua", "local x = 1")],
        &[("silent", "silent")],
        "",
    )
    .expect_err("registering nothing is an error");
    assert!(error.contains("it registered no module"), "{error}");
}

#[test]
fn loading_errors_fail_the_configuration_with_their_location() {
    let error = with_files(
        &[("broken.lua", "local x = \nend")],
        &[("broken", "broken")],
        "",
    )
    .expect_err("syntax error");
    assert!(error.contains("broken.lua:2"), "{error}");
    let error = with_files(
        &[(
            "hook.lua",
            "msys.registerModule('hook', { core_no_such_hook = function() end })",
        )],
        &[("hook", "hook")],
        "",
    )
    .expect_err("unknown hook");
    assert!(error.contains("no hook point 'no_such_hook'"), "{error}");
    let error = with_files(
        &[(
            "init.lua",
            "msys.registerModule('init', { init = function() return false end })",
        )],
        &[("init", "init")],
        "",
    )
    .expect_err("init returned false");
    assert!(
        error.contains("init of module 'init' returned false"),
        "{error}"
    );
    let error = with_files(&[], &[("gone", "no.such.file")], "").expect_err("missing");
    assert!(error.contains("source 'no.such.file' not found"), "{error}");
    let error = with_files(
        &[("top.lua", "while true do end")],
        &[("top", "top")],
        "instruction_limit = 100000",
    )
    .expect_err("an endless top level is stopped");
    assert!(
        error.contains("instruction budget of 100000 exceeded"),
        "{error}"
    );
}

#[test]
fn only_one_instance_name_may_be_used() {
    let text = format!(
        "{}scriptlet \"second\" {{}}\n",
        config(&body(&[("xmpp-presence", "msys.xmpp.presence")], ""))
    );
    let error = configure(&text).err().expect("two names");
    assert!(
        error.contains("only one scriptlet instance name"),
        "{error}"
    );
}

/// The API self-test passes at load time (`init`) and at run time (`validate_connect`), the
/// same state serves every call, and a refusal reaches the hook payload.
#[test]
fn the_lua_api_works_and_states_are_reused() {
    let mut world = World::new(&config(&body(&[("api_selftest", "lua.api_selftest")], "")));
    world.connect("alice");
    for expected in ["ok 1", "ok 2"] {
        let mut connect = attempt("127.0.0.9");
        let flow = world
            .generation
            .run_hook(&VALIDATE_CONNECT, &mut connect)
            .expect("no error");
        assert_eq!(flow, Flow::Done);
        let reason = connect.refuse.expect("refused");
        assert!(reason.starts_with(expected), "{reason}");
    }
    world.drain();
    let bodies: Vec<String> = world.actors["alice"]
        .received
        .iter()
        .filter_map(|m| m.child("body", "jabber:client").map(|b| b.text()))
        .collect();
    assert_eq!(
        bodies,
        ["routed by a script", "sent", "routed by a script", "sent"]
    );
    assert_eq!(
        world
            .store
            .roster_get("alice@example.com")
            .expect("store")
            .map(|(json, version)| (json.contains("\"Bob\""), version)),
        Some((true, "7".to_owned()))
    );
}

/// `validate_connect` refuses 127.0.0.2 and lets 127.0.0.1 through (tests/interop/refuse_peer.lua).
#[test]
fn validate_connect_refuses_a_peer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    let text = format!(
        "  script_path = ( \"{}\" )\n  script \"refuse_peer\" {{ source = \"refuse_peer\" }}\n",
        dir.display()
    );
    let world = World::new(&config(&text));
    let mut refused = attempt("127.0.0.2");
    world
        .generation
        .run_hook(&VALIDATE_CONNECT, &mut refused)
        .expect("no error");
    assert!(refused.refuse.is_some_and(|r| r.contains("554")));
    let mut accepted = attempt("127.0.0.1");
    assert_eq!(
        world.generation.run_hook(&VALIDATE_CONNECT, &mut accepted),
        Ok(Flow::Continue)
    );
    assert!(accepted.refuse.is_none());
}

/// A callback stuck in an endless loop is stopped by the instruction budget; the failure is
/// not a refusal, and the next call runs normally.
#[test]
fn an_endless_validate_connect_is_stopped() {
    let script = "local n = 0\nmsys.registerModule('loop', { validate_connect = function(self, ac, vctx)\n  n = n + 1\n  if n == 1 then while true do end end\n  vctx:refuse('second call ran')\n  return msys.core.VALIDATE_DONE\nend })\n";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("loop.lua"), script).expect("write");
    let text = format!(
        "  instruction_limit = 200000\n  script_path = ( \"{}\" )\n  script \"loop\" {{ source = \"loop\" }}\n",
        dir.path().display()
    );
    let world = World::new(&config(&text));
    let started = std::time::Instant::now();
    let mut first = attempt("127.0.0.3");
    assert_eq!(
        world.generation.run_hook(&VALIDATE_CONNECT, &mut first),
        Ok(Flow::Continue)
    );
    assert!(first.refuse.is_none());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let mut second = attempt("127.0.0.3");
    world
        .generation
        .run_hook(&VALIDATE_CONNECT, &mut second)
        .expect("no error");
    assert!(second.refuse.is_some_and(|r| r.contains("second call ran")));
}

/// With `script_ttl = 0` every call gets a fresh state (Lua globals start over); by default
/// the state is kept (see `the_lua_api_works_and_states_are_reused`).
#[test]
fn a_state_is_replaced_after_its_script_ttl() {
    let script = "local n = 0\nmsys.registerModule('ttl', { validate_connect = function(self, ac, vctx)\n  n = n + 1\n  vctx:refuse('call ' .. n)\n  return msys.core.VALIDATE_DONE\nend })\n";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ttl.lua"), script).expect("write");
    let text = format!(
        "  script_ttl = 0\n  script_path = ( \"{}\" )\n  script \"ttl\" {{ source = \"ttl\" }}\n",
        dir.path().display()
    );
    let world = World::new(&config(&text));
    for _ in 0..2 {
        let mut connect = attempt("127.0.0.4");
        world
            .generation
            .run_hook(&VALIDATE_CONNECT, &mut connect)
            .expect("no error");
        assert!(connect.refuse.is_some_and(|r| r.starts_with("call 1")));
    }
}
