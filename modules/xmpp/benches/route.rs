//! Benchmarks of stanza routing: N bound, available sessions in the `Router`, and messages
//! routed between them through `route::route` (to a full JID and to a bare JID), each one
//! taken off the recipient's queue as its session task would. The state uses an in-memory
//! `SqliteStore`. Run with `cargo bench -p mod_xmpp`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use divan::Bencher;
use impetus_runtime::tls::TlsCache;
use impetus_runtime::{Generation, Registrar, Services, Shutdown};
use impetus_storage::{SqliteStore, Store};
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use mod_xmpp::iq::register::RegistrationThrottle;
use mod_xmpp::mailbox::MailboxReceiver;
use mod_xmpp::route::route;
use mod_xmpp::router::{Availability, Outbound, Router, SessionHandle};
use mod_xmpp::s2s::pool::Pool;
use mod_xmpp::s2s::{Certificates, S2s, Settings};
use mod_xmpp::state::XmppState;

fn main() {
    divan::main();
}

/// A routing table with `n` users, one available session each.
struct World {
    state: XmppState,
    generation: Generation,
    jids: Vec<Jid>,
    queues: Vec<MailboxReceiver>,
    _handles: Vec<Arc<SessionHandle>>,
}

fn world(n: usize) -> World {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("in-memory store"));
    let (tree, _) = impetus_config::parse_str("", "bench.conf");
    let (config, _) = impetus_config::validate(tree, &impetus_config::Schema::default());
    let services = Arc::new(Services::new(store.clone(), Shutdown::new()));
    let generation = Generation::new(
        1,
        Arc::new(config),
        services,
        Vec::new(),
        Registrar::default(),
    );
    let state = XmppState {
        hosts: BTreeSet::from(["example.com".to_owned()]),
        sni: Vec::new(),
        sources: parking_lot::Mutex::new(HashMap::new()),
        router: Arc::new(Router::default()),
        tls: Arc::new(TlsCache::default()),
        store,
        registration_throttle: Arc::new(RegistrationThrottle::default()),
        s2s: Arc::new(S2s::new(
            Settings::default(),
            Arc::new(Pool::default()),
            Certificates::default(),
        )),
    };
    let (mut jids, mut queues, mut handles) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let jid = Jid::parse(&format!("user{i}@example.com/phone")).expect("valid jid");
        let (handle, queue) = SessionHandle::new(jid.clone(), "127.0.0.1:1".into());
        *handle.availability.lock() = Some(Availability::default());
        state.router.bind(handle.clone());
        jids.push(jid);
        queues.push(queue);
        handles.push(handle);
    }
    World {
        state,
        generation,
        jids,
        queues,
        _handles: handles,
    }
}

/// A chat message from user `from` to `to` (full or bare), as a session stamps it.
fn message(w: &World, from: usize, to: usize, bare: bool) -> Element {
    let to = if bare {
        w.jids[to].bare().to_string()
    } else {
        w.jids[to].to_string()
    };
    Element::new("message", "jabber:client")
        .with_attr("from", w.jids[from].to_string())
        .with_attr("to", to)
        .with_attr("type", "chat")
        .with_attr("id", "m1")
        .with_child(
            Element::new("body", "jabber:client").with_text("Art thou not Romeo, and a Montague?"),
        )
}

fn bench_route(bencher: Bencher, n: usize, bare: bool) {
    let mut w = world(n);
    // Pre-built stanzas for a rotation of sender/recipient pairs; routing consumes a clone.
    let pairs: Vec<(usize, Element)> = (0..n.min(256))
        .map(|i| {
            let to = (i * 7 + 1) % n;
            (to, message(&w, i, to, bare))
        })
        .collect();
    let mut next = 0;
    bencher
        .with_inputs(|| {
            next = (next + 1) % pairs.len();
            pairs[next].clone()
        })
        .bench_local_values(|(to, stanza)| {
            route(&w.state, &w.generation, stanza);
            // The recipient's session task takes it off the queue.
            matches!(w.queues[to].take().pop_front(), Some(Outbound::Stanza(_)))
        });
    // Anything left means a message was not delivered where it should have been.
    assert!(w.queues.iter_mut().all(|q| q.take().is_empty()));
}

#[divan::bench(args = [10, 1000, 10000])]
fn route_to_full_jid(bencher: Bencher, sessions: usize) {
    bench_route(bencher, sessions, false);
}

#[divan::bench(args = [10, 1000, 10000])]
fn route_to_bare_jid(bencher: Bencher, sessions: usize) {
    bench_route(bencher, sessions, true);
}
