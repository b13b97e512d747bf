//! Benchmark of a presence broadcast through the `msys.xmpp.presence` scriptlet: a user with
//! N contacts (subscription "both", one available resource each) sends a presence update,
//! which runs `client_presence_recv` in Lua, routes one copy per contact (each passing
//! `local_presence_deliver`) and queues it to the contact's session. Divide by N for the
//! cost per contact. Run with `cargo bench -p mod_scriptlet`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{World, config};
use impetus_storage::Store;
use impetus_xml::Element;

fn main() {
    divan::main();
}

/// A world where `alice` and `contacts` users are mutually subscribed and all available.
fn world(contacts: usize) -> World {
    let mut world = World::new(&config(
        "  script \"xmpp-presence\" { source = \"msys.xmpp.presence\" }",
    ));
    let names: Vec<String> = (0..contacts).map(|i| format!("c{i}")).collect();
    let item = r#"{"groups":[],"pending_requests":{},"subscription":"both"}"#;
    let alice: Vec<String> = names
        .iter()
        .map(|n| format!("\"{n}@{}\":{item}", common::DOMAIN))
        .collect();
    world
        .store
        .roster_put(
            &format!("alice@{}", common::DOMAIN),
            &format!("{{{}}}", alice.join(",")),
            "1",
        )
        .expect("store");
    for name in names.iter().map(String::as_str).chain(["alice"]) {
        if name != "alice" {
            world
                .store
                .roster_put(
                    &format!("{name}@{}", common::DOMAIN),
                    &format!("{{\"alice@{}\":{item}}}", common::DOMAIN),
                    "1",
                )
                .expect("store");
        }
        world.connect(name);
        world
            .send(name, Element::new("presence", "jabber:client"))
            .expect("connected");
    }
    world
}

#[divan::bench(args = [1, 10, 100])]
fn presence_update_to_contacts(bencher: divan::Bencher, contacts: usize) {
    let mut world = world(contacts);
    let update = Element::new("presence", "jabber:client")
        .with_child(Element::new("show", "jabber:client").with_text("away"));
    bencher.bench_local(|| {
        world.send("alice", update.clone()).expect("connected");
        for actor in world.actors.values_mut() {
            actor.received.clear();
        }
    });
}
