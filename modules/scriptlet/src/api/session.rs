//! Session objects passed to stanza callbacks and returned by `xmpp.sessions(jid)`:
//! `sess:jid()`, `sess:id()`, `sess:available()`, `sess:presence()`, `sess:send(stanza)`,
//! `sess:interested([bool])` (RFC 6121 "interested resource"), and per-session script data
//! `sess:get(key)` / `sess:set(key, value)` (Momentum's `ec_xmpp_session_handler_data_get/set`),
//! which lives as long as the session, whichever Lua state reads it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use impetus_xmpp_proto::ns;
use mlua::{Lua, MetaMethod, UserData, UserDataMethods, Value};
use mod_xmpp::router::SessionHandle;
use parking_lot::Mutex;

use super::jid::LuaJid;
use super::xml::element_arg;
use crate::host::host_of;

/// One session's data, with a weak link to tell when the session is gone.
type Entry = (Weak<SessionHandle>, HashMap<String, String>);

/// Script data of every session, process-wide (it survives reloads with the sessions).
#[derive(Default)]
pub struct SessionData {
    map: Mutex<HashMap<u64, Entry>>,
}

impl SessionData {
    /// The value of `key` for `session`.
    pub fn get(&self, session: &SessionHandle, key: &str) -> Option<String> {
        self.map
            .lock()
            .get(&session.id)
            .and_then(|(_, data)| data.get(key).cloned())
    }

    /// Sets (or with `None` removes) `key` for `session`.
    pub fn set(&self, session: &Arc<SessionHandle>, key: &str, value: Option<String>) {
        let mut map = self.map.lock();
        if !map.contains_key(&session.id) {
            if value.is_none() {
                return;
            }
            if map.len() % 256 == 255 {
                // Sessions normally forget their data when they close; this catches the rest.
                map.retain(|_, (handle, _)| handle.strong_count() > 0);
            }
        }
        let (_, data) = map
            .entry(session.id)
            .or_insert_with(|| (Arc::downgrade(session), HashMap::new()));
        match value {
            Some(value) => data.insert(key.to_owned(), value),
            None => data.remove(key),
        };
    }

    /// Drops everything kept for the session `id` (when it closes).
    pub fn forget(&self, id: u64) {
        self.map.lock().remove(&id);
    }

    /// Number of sessions with data (for tests and `module` commands).
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    /// Whether no session has data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A bound session in Lua.
#[derive(Clone)]
pub struct LuaSession(pub Arc<SessionHandle>);

impl UserData for LuaSession {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("jid", |_, this, ()| Ok(LuaJid(this.0.jid.clone())));
        methods.add_method("id", |_, this, ()| Ok(this.0.id));
        methods.add_method("available", |_, this, ()| Ok(this.0.priority().is_some()));
        methods.add_method("presence", |lua, this, ()| presence_table(lua, &this.0));
        methods.add_method("send", |_, this, stanza: Value| {
            let element = element_arg(&stanza)?;
            Ok(this.0.send(Arc::from(element.to_string_in(ns::CLIENT))))
        });
        methods.add_method("interested", |_, this, flag: Option<bool>| {
            if let Some(flag) = flag {
                this.0.interested.store(flag, Ordering::Relaxed);
            }
            Ok(this.0.interested.load(Ordering::Relaxed))
        });
        methods.add_method("get", |lua, this, key: String| {
            Ok(host_of(lua)?.sessions.get(&this.0, &key))
        });
        methods.add_method("set", |lua, this, (key, value): (String, Value)| {
            let value = match value {
                Value::Nil => None,
                Value::String(s) => Some(s.to_str()?.to_owned()),
                Value::Boolean(b) => Some(b.to_string()),
                Value::Integer(n) => Some(n.to_string()),
                Value::Number(n) => Some(n.to_string()),
                other => {
                    return Err(mlua::Error::runtime(format!(
                        "sess:set stores strings, numbers and booleans, not a {}",
                        other.type_name()
                    )));
                }
            };
            host_of(lua)?.sessions.set(&this.0, &key, value);
            Ok(())
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(format!("session {} ({})", this.0.id, this.0.jid))
        });
    }
}

/// `{ availability = bool, priority = n, show = "...", status = "..." }` of one session.
pub fn presence_table(lua: &Lua, session: &SessionHandle) -> mlua::Result<mlua::Table> {
    let table = lua.create_table()?;
    let available = session.available();
    table.set("availability", available.is_some())?;
    if let Some(available) = available {
        table.set("priority", available.priority)?;
        table.set("show", available.show)?;
        table.set("status", available.status)?;
    }
    Ok(table)
}
