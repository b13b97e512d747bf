//! A tiny in-process XMPP server for the tests (plain TCP): PLAIN and SCRAM-SHA-256 with the
//! password `secret`, in-band registration, bind, message routing, presence subscription and
//! broadcast, and roster requests (answered, or refused when asked to).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::prelude::*;
use impetus_xml::{Element, StreamEvent};
use impetus_xmpp_proto::sasl::scram::{ChannelBinding, ScramCredentials, ScramHash, ScramServer};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::conn::{Conn, Io, write_flush};
use crate::error::BenchError;

const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>";

/// A running fake server; stops when dropped.
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Default)]
struct Shared {
    sessions: Mutex<HashMap<String, (String, mpsc::UnboundedSender<String>)>>,
    subscribers: Mutex<HashMap<String, BTreeSet<String>>>,
    accounts: Mutex<HashSet<String>>,
    roster: bool,
}

/// Starts a server on 127.0.0.1; `roster` false makes roster requests fail.
pub async fn start(roster: bool) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shared = Arc::new(Shared {
        roster,
        ..Shared::default()
    });
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let shared = shared.clone();
            tokio::spawn(async move {
                let _ = serve(Conn::new(Io::Tcp(tcp)), shared).await;
            });
        }
    });
    FakeServer { addr, task }
}

fn bare(jid: &str) -> &str {
    jid.split('/').next().unwrap_or_default()
}

async fn serve(mut conn: Conn, shared: Arc<Shared>) -> Result<(), BenchError> {
    conn.next_event().await?;
    conn.send(&format!("{HEADER}<stream:features><mechanisms xmlns='{SASL}'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>")).await?;
    let user = authenticate(&mut conn, &shared).await?;
    conn.xml.reset();
    conn.next_event().await?;
    conn.send(&format!("{HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")).await?;
    let iq = conn.next_stanza().await?;
    let resource = iq
        .elements()
        .next()
        .and_then(|b| b.elements().next())
        .map(Element::text);
    let me = format!("{user}@localhost/{}", resource.unwrap_or_default());
    let id = iq.attr("id").unwrap_or_default();
    conn.send(&format!("<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{me}</jid></bind></iq>")).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    shared
        .sessions
        .lock()
        .expect("lock")
        .insert(bare(&me).to_owned(), (me.clone(), tx.clone()));
    let (mut reader, mut writer) = conn.split();
    tokio::spawn(async move {
        while let Some(s) = rx.recv().await {
            if write_flush(&mut writer, s.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    loop {
        let mut e = match reader.next_event().await? {
            StreamEvent::Stanza(e) => e,
            _ => return Ok(()),
        };
        let to = e.attr("to").map(str::to_owned);
        e.set_attr("from", me.clone());
        let out = e.to_string_in("jabber:client");
        let send_to = |jid: &str| {
            if let Some((_, s)) = shared.sessions.lock().expect("lock").get(bare(jid)) {
                let _ = s.send(out.clone());
            }
        };
        match (e.name.as_str(), e.attr("type"), to) {
            ("message", _, Some(to)) => send_to(&to),
            ("presence", Some("subscribed"), Some(to)) => {
                let mut subs = shared.subscribers.lock().expect("lock");
                subs.entry(bare(&me).to_owned())
                    .or_default()
                    .insert(bare(&to).to_owned());
                drop(subs);
                send_to(&to);
            }
            ("presence", _, Some(to)) => send_to(&to),
            ("presence", None, None) => {
                let subs = shared
                    .subscribers
                    .lock()
                    .expect("lock")
                    .get(bare(&me))
                    .cloned();
                for contact in subs.unwrap_or_default().iter().chain([me.clone()].iter()) {
                    send_to(contact);
                }
            }
            ("iq", _, _) => {
                let id = e.attr("id").unwrap_or_default();
                let refused = e.elements().any(|q| q.ns == "jabber:iq:roster") && !shared.roster;
                let _ = tx.send(if refused {
                    format!("<iq type='error' id='{id}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
                } else {
                    format!("<iq type='result' id='{id}'/>")
                });
            }
            _ => {}
        }
    }
}

/// Runs SASL (and answers registrations before it); returns the user name.
async fn authenticate(conn: &mut Conn, shared: &Shared) -> Result<String, BenchError> {
    loop {
        let e = conn.next_stanza().await?;
        if e.name == "iq" {
            let query = e.elements().next();
            let user = query
                .and_then(|q| q.elements().next())
                .map(Element::text)
                .unwrap_or_default();
            let fresh = shared.accounts.lock().expect("lock").insert(user);
            let reply = if fresh {
                "<iq type='result' id='reg'/>"
            } else {
                "<iq type='error' id='reg'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
            };
            conn.send(reply).await?;
            continue;
        }
        let data = BASE64_STANDARD.decode(e.text().trim()).unwrap_or_default();
        if e.attr("mechanism") == Some("PLAIN") {
            let parts: Vec<&[u8]> = data.split(|&b| b == 0).collect();
            if let [_, user, b"secret"] = parts[..] {
                conn.send(&format!("<success xmlns='{SASL}'/>")).await?;
                return Ok(String::from_utf8_lossy(user).into_owned());
            }
            conn.send(&format!(
                "<failure xmlns='{SASL}'><not-authorized/></failure>"
            ))
            .await?;
            continue;
        }
        let mut scram = ScramServer::new(ScramHash::Sha256, false, ChannelBinding::default());
        let user = scram.client_first(&data).unwrap_or_default();
        let creds = ScramCredentials::derive(ScramHash::Sha256, "secret", user.as_bytes(), 16);
        let first = BASE64_STANDARD.encode(scram.server_first(Some(&creds)));
        conn.send(&format!("<challenge xmlns='{SASL}'>{first}</challenge>"))
            .await?;
        let response = conn.next_stanza().await?;
        let data = BASE64_STANDARD
            .decode(response.text().trim())
            .unwrap_or_default();
        match scram.client_final(&data) {
            Ok(v) => {
                let v = BASE64_STANDARD.encode(v);
                conn.send(&format!("<success xmlns='{SASL}'>{v}</success>"))
                    .await?;
                return Ok(user);
            }
            Err(_) => {
                conn.send(&format!(
                    "<failure xmlns='{SASL}'><not-authorized/></failure>"
                ))
                .await?
            }
        }
    }
}
