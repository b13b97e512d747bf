//! A socket-free XMPP world for scriptlet tests: the real xmpp and scriptlet modules
//! configured from a config text, an in-memory store, and in-process sessions that send
//! stanzas through the same code a connection runs (`mod_xmpp::c2s::client_stanza`).

#![allow(dead_code)] // each test binary uses part of the harness

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use impetus_runtime::{Generation, Registry, Services, Shutdown};
use impetus_storage::{SqliteStore, Store};
use impetus_xml::{Element, Limits, StreamEvent, StreamReader};
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::sasl::stored::StoredSecrets;
use mod_xmpp::hooks::{SESSION_BOUND, SessionEvent};
use mod_xmpp::mailbox::MailboxReceiver;
use mod_xmpp::router::{Outbound, SessionHandle};
use mod_xmpp::state::XmppState;

/// The domain every test account lives on.
pub const DOMAIN: &str = "example.com";

/// The configuration around `scriptlet_body` (the inside of `scriptlet "scriptlet" {}`).
pub fn config(scriptlet_body: &str) -> String {
    format!(
        r#"xmpp {{}}
scriptlet "scriptlet" {{
{scriptlet_body}
}}
Domain "{DOMAIN}" {{ XMPP_Role = "server" }}
xmpp_listener {{
  AuthPlainParameters = [ uri = "datasource://" ]
  Listen "127.0.0.1:5222" {{}}
}}
"#
    )
}

/// Parses serialised stanzas (one or more, as written on a stream).
pub fn parse_stanzas(text: &str) -> Result<Vec<Element>, String> {
    let mut reader = StreamReader::new(Limits::default());
    reader.feed(
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    reader.feed(text.as_bytes());
    reader.feed(b"</stream:stream>");
    let mut stanzas = Vec::new();
    loop {
        match reader.next().map_err(|e| format!("{e}: {text}"))? {
            Some(StreamEvent::Stanza(element)) => stanzas.push(element),
            Some(StreamEvent::Header(_)) => {}
            Some(StreamEvent::Close) | None => return Ok(stanzas),
        }
    }
}

/// One connected resource and what it received, oldest first.
pub struct Actor {
    /// The bound session.
    pub handle: Arc<SessionHandle>,
    receiver: MailboxReceiver,
    /// Stanzas received and not yet checked.
    pub received: VecDeque<Element>,
}

/// The configured server and its in-process sessions.
pub struct World {
    /// The running generation.
    pub generation: Arc<Generation>,
    /// The xmpp module's state.
    pub state: Arc<XmppState>,
    /// The store.
    pub store: Arc<SqliteStore>,
    /// Sessions by actor name (`alice`, `alice/laptop`).
    pub actors: HashMap<String, Actor>,
    _dir: tempfile::TempDir,
}

/// Loads `config` and configures generation 1, or returns every diagnostic as text.
pub fn configure(
    config: &str,
) -> Result<(Arc<Generation>, Arc<SqliteStore>, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("impetus.conf");
    std::fs::write(&path, config).map_err(|e| e.to_string())?;
    let registry = Registry::new(vec![&mod_xmpp::MODULE, &mod_scriptlet::MODULE]);
    let text = |d: Vec<impetus_config::Diagnostic>| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let loaded = registry.load(&path).map_err(text)?;
    let store = Arc::new(SqliteStore::in_memory().map_err(|e| e.to_string())?);
    let services = Arc::new(Services::new(store.clone(), Shutdown::new()));
    let generation = Arc::new(registry.configure(&loaded, services, 1).map_err(text)?);
    for module in &generation.modules {
        module.module.start(&generation)?;
    }
    Ok((generation, store, dir))
}

impl World {
    /// A world running `config`.
    pub fn new(config: &str) -> World {
        let (generation, store, dir) = match configure(config) {
            Ok(configured) => configured,
            Err(e) => panic!("configuration failed:\n{e}"),
        };
        let state = XmppState::of(&generation).expect("the xmpp module is configured");
        World {
            generation,
            state,
            store,
            actors: HashMap::new(),
            _dir: dir,
        }
    }

    /// The full JID of actor `name` (`alice` is `alice@example.com/main`).
    pub fn jid(name: &str) -> Jid {
        let (user, resource) = name.split_once('/').unwrap_or((name, "main"));
        Jid::parse(&format!("{user}@{DOMAIN}/{resource}")).expect("valid actor name")
    }

    /// Creates the account of actor `name` (its user part).
    pub fn account(&self, name: &str) {
        let user = name.split('/').next().unwrap_or(name);
        let secrets = StoredSecrets::from_password(user, "password", None, 4096)
            .expect("secrets")
            .to_string();
        self.store
            .account_create(DOMAIN, user, &secrets)
            .expect("store works");
    }

    /// Binds a session for `name`, as resource binding does.
    pub fn connect(&mut self, name: &str) {
        self.account(name);
        let (handle, receiver) = SessionHandle::new(Self::jid(name), "test".into());
        self.state.router.bind(handle.clone());
        let mut event = SessionEvent {
            session: handle.clone(),
        };
        let _ = self.generation.run_hook(&SESSION_BOUND, &mut event);
        self.actors.insert(
            name.to_owned(),
            Actor {
                handle,
                receiver,
                received: VecDeque::new(),
            },
        );
        self.drain();
    }

    /// Ends the session of `name`, as a closed connection does.
    pub fn disconnect(&mut self, name: &str) -> Result<(), String> {
        self.drain();
        let actor = self
            .actors
            .remove(name)
            .ok_or(format!("{name} is not connected"))?;
        mod_xmpp::c2s::session_ended(&self.state, &self.generation, actor.handle);
        self.drain();
        Ok(())
    }

    /// `name`'s client sends `stanza`; a direct reply is received first, as on a socket.
    pub fn send(&mut self, name: &str, stanza: Element) -> Result<(), String> {
        self.drain();
        let handle = self
            .actors
            .get(name)
            .map(|a| a.handle.clone())
            .ok_or(format!("{name} is not connected"))?;
        let reply = mod_xmpp::c2s::client_stanza(&self.state, &self.generation, &handle, stanza);
        if let (Some(reply), Some(actor)) = (reply, self.actors.get_mut(name)) {
            actor.received.push_back(reply);
        }
        self.drain();
        Ok(())
    }

    /// Moves everything the sessions' channels hold into their `received` queues.
    pub fn drain(&mut self) {
        for actor in self.actors.values_mut() {
            for outbound in actor.receiver.take() {
                if let Outbound::Stanza(xml) = outbound {
                    match parse_stanzas(&xml) {
                        Ok(stanzas) => actor.received.extend(stanzas),
                        Err(e) => panic!("the server sent unparsable XML: {e}"),
                    }
                }
            }
        }
    }
}
