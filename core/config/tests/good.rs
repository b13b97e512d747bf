//! One config using every construct (`tests/data/all_constructs.conf` and its includes)
//! parses and validates with zero diagnostics, and resolves to the expected values.

mod common;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use common::{
    DkimOptions, DomainOptions, GlobalOptions, ListenerOptions, LoggerOptions, TlsVerifyMode,
    XmppRole,
};
use impetus_config::types::{DebugLevel, Dict, ListenAddr, Perms, Seconds, Size, Throttle};
use impetus_config::{Config, Resolved, load_file, parse_str, validate};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn config() -> Config {
    let (tree, diags) = load_file(&Path::new(DATA).join("all_constructs.conf"));
    assert!(diags.is_empty(), "parse: {diags:#?}");
    let (config, diags) = validate(tree, &common::schema());
    assert!(diags.is_empty(), "validate: {diags:#?}");
    config
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().expect("test IP literal"))
}

fn listener(r: &Resolved<'_>) -> ListenerOptions {
    ListenerOptions::read(r).expect("listener options read")
}

#[test]
fn global_values_of_every_type() {
    let c = config();
    let g = GlobalOptions::read(&c.global()).expect("globals");
    assert_eq!(g.pidfile, PathBuf::from("/var/run/impetus-test.pid"));
    assert_eq!(g.max_stanza_size, Size(256 * 1024));
    assert_eq!(
        g.connection_throttle,
        Throttle {
            count: 60,
            seconds: 3
        }
    );
    let nets: Vec<String> = g.relay_hosts.iter().map(ToString::to_string).collect();
    assert_eq!(
        nets,
        vec![
            "127.0.0.0/8",
            "10.10.10.0/24",
            "2001:db8::/32",
            "192.0.2.1/32"
        ]
    );
    assert!((g.load_factor - 0.75).abs() < f64::EPSILON);
    assert_eq!(g.clock_skew, -3);
    assert_eq!(g.max_connections, 20000);
    assert!(g.reserved_users.is_match("root") && !g.reserved_users.is_match("alice"));
    assert_eq!(
        g.console_address,
        ListenAddr::Unix("/tmp/impetus-console.sock".into())
    );
    assert_eq!(g.log_level, DebugLevel::Notice);
    assert_eq!(g.concurrency, 0, "not set globally: default");
    let ctx: &Dict = &g.context;
    assert_eq!(ctx.get_as::<String>("NAME"), Ok("value".into()));
    let auth: Dict = ctx.get_as("auth").expect("nested dict");
    let map: Dict = auth.get_as("map").expect("doubly nested dict");
    assert_eq!(map.get_as::<String>("pass"), Ok("%{password}".into()));
    assert_eq!(
        auth.get_as::<Vec<Vec<String>>>("order"),
        Ok(vec![
            vec!["a".to_string()],
            vec!["b".to_string(), "c".to_string()]
        ])
    );
    assert_eq!(ctx.get_as::<u32>("x-key"), Ok(1));
}

#[test]
fn modules_in_file_order_with_instances() {
    let c = config();
    let mods: Vec<(&str, Option<&str>)> =
        c.modules().iter().map(|m| (m.name, m.instance)).collect();
    assert_eq!(
        mods,
        vec![
            ("xmpp", None),
            ("xmpp_logger", Some("main")),
            ("xmpp_logger", Some("xmpp_logger")),
            ("dkim_sign", None),
        ]
    );
    let loggers: Vec<_> = c
        .modules()
        .into_iter()
        .filter(|m| m.name == "xmpp_logger")
        .collect();
    let main = LoggerOptions::read(&c.module(loggers[0].node)).expect("logger");
    assert_eq!(main.logmode, Perms(0o600));
    assert_eq!(main.logfile, PathBuf::from("/var/log/impetus/main.ec"));
    let second = LoggerOptions::read(&c.module(loggers[1].node)).expect("logger");
    assert_eq!(second.logmode, Perms(0o640), "default");
    assert_eq!(
        c.module(loggers[1].node).get::<DebugLevel>("debug_level"),
        Ok(DebugLevel::Debug)
    );
    assert_eq!(
        c.module(loggers[0].node).get::<DebugLevel>("debug_level"),
        Ok(DebugLevel::Error)
    );
    assert_eq!(c.module(loggers[0].node).get::<bool>("enabled"), Ok(true));

    let dkim = c.scopes("DKIM_SIGN").next().expect("dkim stanza");
    let opts = DkimOptions::read(&c.module(dkim)).expect("dkim");
    assert_eq!(opts.headers, vec!["From", "To", "Subject", "Date"]);
    assert_eq!(opts.selector.as_deref(), Some("s1"));
    assert_eq!(opts.keyfile, None);
    let dk = dkim
        .child("dk_domain", Some("example.com"))
        .expect("dk_domain");
    let r = Resolved::new(vec![dk, dkim, c.root()], c.schema());
    let per_domain = DkimOptions::read(&r).expect("dk_domain");
    assert_eq!(
        per_domain.keyfile,
        Some(PathBuf::from("/etc/impetus/dkim/example.key"))
    );
    assert_eq!(
        per_domain.selector.as_deref(),
        Some("s1"),
        "inherited from dkim_sign"
    );

    let pool = c.scopes("threadpool").next().expect("included ThreadPool");
    assert_eq!(pool.instance.as_deref(), Some("xmpp-accept"));
    let r = Resolved::new(vec![pool, c.root()], c.schema());
    assert_eq!(r.get::<u32>("concurrency"), Ok(2));
}

#[test]
fn repeated_listener_stanzas_merge_and_listens_parse() {
    let c = config();
    assert_eq!(c.scopes("xmpp_listener").count(), 1);
    let node = c.scopes("xmpp_listener").next().expect("listener");
    let view = c.listener(node);
    let addrs: Vec<String> = view.listens().iter().map(|l| l.addr.to_string()).collect();
    assert_eq!(
        addrs,
        vec![
            "*:5222",
            "*:5269",
            "[::1]:5280",
            "[*]:5223",
            "/tmp/impetus-test.sock"
        ]
    );
    let whole = listener(&view.resolve_listener());
    assert!(whole.enable, "from the repeated stanza");
    assert_eq!(whole.idle_time, Seconds(600));
    assert_eq!(
        whole.tcp_recv_buffer_size,
        Size(8192),
        "from an include inside the scope"
    );
    assert!(whole.disable_nagle_algorithm);
    assert_eq!(whole.listen_backlog, 500, "default");
    assert_eq!(view.resolve_listener().get::<u32>("concurrency"), Ok(4));
    let auth = whole.authplainparameters.expect("auth dict");
    assert_eq!(auth.get_as::<bool>("log_authentication"), Ok(true));
}

#[test]
fn peer_resolution_uses_the_longest_prefix_at_each_level() {
    let c = config();
    let view = c.listener(c.scopes("xmpp_listener").next().expect("listener"));
    let listens = view.listens();
    let c2s = &listens[0];
    assert_eq!(c2s.addr, ListenAddr::AnyV4(5222));
    let exact = listener(&c2s.resolve(ip("10.0.0.1")));
    assert_eq!(exact.idle_time, Seconds(30), "Listen::Peer 10.0.0.1");
    assert_eq!(
        exact.tls_verify_mode,
        TlsVerifyMode::Require,
        "listener::Peer /16"
    );
    assert_eq!(exact.listen_backlog, 1024, "merged Listen stanza");
    assert_eq!(exact.pool_name.as_deref(), Some("xmpp-accept"));
    assert_eq!(
        listener(&c2s.resolve(ip("10.0.5.5"))).idle_time,
        Seconds(3600)
    );
    assert_eq!(
        listener(&c2s.resolve(ip("10.9.9.9"))).idle_time,
        Seconds(7200)
    );
    assert_eq!(
        listener(&c2s.resolve(ip("::ffff:10.0.0.1"))).idle_time,
        Seconds(30)
    );
    let partner = listener(&c2s.resolve(ip("192.0.2.77")));
    assert_eq!(
        (partner.idle_time, partner.tls_verify_mode),
        (Seconds(600), TlsVerifyMode::Optional)
    );
    let stranger = listener(&c2s.resolve(ip("203.0.113.1")));
    assert_eq!(
        (stranger.idle_time, stranger.tls_verify_mode),
        (Seconds(600), TlsVerifyMode::None)
    );
    assert_eq!(listener(&c2s.resolve_listen()).listen_backlog, 1024);

    let v6 = &listens[2];
    assert_eq!(v6.addr.to_string(), "[::1]:5280");
    let local6 = listener(&v6.resolve(ip("::1")));
    assert_eq!(
        (local6.listen_backlog, local6.idle_time),
        (64, Seconds(600))
    );

    let unix = &listens[4];
    assert_eq!(unix.addr, ListenAddr::Unix("/tmp/impetus-test.sock".into()));
    let local = listener(&unix.resolve(None));
    assert_eq!(
        local.idle_time,
        Seconds(5),
        "Unix socket matches Peer 127.0.0.0/8"
    );
    assert_eq!(local.file_mode, Perms(0o600));
}

#[test]
fn none_cancels_an_inherited_value() {
    let c = config();
    let view = c.listener(c.scopes("xmpp_listener").next().expect("listener"));
    let listens = view.listens();
    let cert = |r: Resolved<'_>| {
        DomainOptions::read(&r)
            .expect("tls options")
            .tls_certificate
    };
    assert_eq!(
        cert(listens[0].resolve(None)),
        Some(PathBuf::from("/etc/impetus/tls/listener.pem"))
    );
    assert_eq!(listens[1].addr, ListenAddr::AnyV4(5269));
    assert_eq!(cert(listens[1].resolve(ip("10.0.0.1"))), None);
}

#[test]
fn domain_chain_prefixed_plain_regex_global() {
    let c = config();
    let d = DomainOptions::read(&c.domain("example.com")).expect("example.com");
    assert_eq!(d.xmpp_role, Some(XmppRole::Server));
    assert_eq!(
        d.xmpp_dialback_secret.as_deref(),
        Some("s3cr3t \"one\" \\o/")
    );
    assert_eq!(
        d.tls_certificate,
        Some(PathBuf::from("/etc/impetus/tls/example.pem"))
    );
    assert_eq!(
        d.tls_ciphers.as_deref(),
        Some("MEDIUM"),
        "from Domain \"example.com\""
    );
    let org = DomainOptions::read(&c.domain("mail.example.org")).expect("regex");
    assert_eq!(org.xmpp_role, Some(XmppRole::Client));
    assert_eq!(org.tls_ciphers.as_deref(), Some("LOW"));
    assert_eq!(
        org.tls_certificate,
        Some(PathBuf::from("/etc/impetus/tls/catchall.pem"))
    );
    let other = DomainOptions::read(&c.domain("nowhere.test")).expect("catch-all");
    assert_eq!(other.xmpp_role, None);
    assert_eq!(other.tls_ciphers.as_deref(), Some("HIGH:!aNULL"), "global");
    let chat = DomainOptions::read(&c.domain("chat.example.net")).expect("merged");
    assert_eq!(chat.xmpp_role, Some(XmppRole::Server));
    assert_eq!(chat.xmpp_dialback_secret.as_deref(), Some("two"));
    let ctx: Dict = c
        .domain("example.com")
        .get("context")
        .expect("domain context");
    assert_eq!(ctx.get_as::<String>("k"), Ok("v".into()));

    let names: Vec<&str> = c.domains().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "example.com",
            "example.com",
            "/(?:^|[.])example[.]org$/",
            "/^.*$/",
            "chat.example.net",
            "partner.example.org"
        ]
    );
}

#[test]
fn includes_readonly_and_locations() {
    let c = config();
    let readonly: Vec<(&str, bool)> = c
        .domains()
        .into_iter()
        .map(|(n, node)| (n, node.readonly))
        .filter(|(_, ro)| *ro)
        .collect();
    assert_eq!(readonly, vec![("partner.example.org", true)]);
    let chat = c
        .scopes("domain")
        .find(|d| d.instance.as_deref() == Some("#xmpp#chat.example.net"))
        .expect("chat");
    assert!(chat.location.file.ends_with("inc/domains.d/10-first.conf"));
    assert!(
        chat.options[1]
            .location
            .file
            .ends_with("inc/domains.d/20-second.conf")
    );
    let listener = c.scopes("xmpp_listener").next().expect("listener");
    assert_eq!((listener.location.line, listener.location.col), (29, 1));
    assert!(
        listener
            .options
            .iter()
            .any(|o| o.location.file.ends_with("listener-extra.conf"))
    );
}

#[test]
fn dump_shows_sources_and_reparses_cleanly() {
    let c = config();
    let dump = c.dump();
    assert_eq!(dump, c.dump(), "stable");
    for line in [
        "pidfile = \"/var/run/impetus-test.pid\"",
        "max_connections = 20000",
        "  concurrency = 2",
        "XMPP_Listener {",
        "  Listen \"*:5222\" {",
        "    idle_time = 600  # from XMPP_Listener",
        "    listen_backlog = 1024",
        "      idle_time = 30",
        "      tls_verify_mode = none  # default",
        "    tls_certificate = none",
        "  listen_backlog = 500  # default",
        "  enabled = true  # default",
        "  # pool_name is not set",
        "Domain \"/^.*$/\" {",
    ] {
        assert!(
            dump.lines().any(|l| l == line),
            "missing {line:?} in:\n{dump}"
        );
    }
    let (tree, diags) = parse_str(&dump, "dump.conf");
    assert!(diags.is_empty(), "{diags:#?}");
    let (again, diags) = validate(tree, &common::schema());
    assert!(diags.is_empty(), "{diags:#?}");
    // Re-dumping shows the same values, now all set explicitly (no source marks).
    let unmarked = |d: &str| -> Vec<String> {
        d.lines()
            .map(|l| l.find("  # ").map_or(l, |i| &l[..i]).to_string())
            .collect()
    };
    assert_eq!(unmarked(&again.dump()), unmarked(&dump));
}
