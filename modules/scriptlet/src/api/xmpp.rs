//! `require("msys.xmpp")` (spec §4.5): `connected`, `online`, `valid_domain`, `routeStanza`,
//! `send`, `registerModule`, JID objects, `DONE`/`CONT`; plus the Impetus additions
//! `jid`, `sessions`, `user_exists`, `error_reply`, `add_feature`, `add_stream_feature` and
//! `new_id` (roster storage and domain options come from `roster.rs` and `domain.rs`).

use std::sync::Arc;

use impetus_runtime::Generation;
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::stanza::kind_of;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use mlua::{Lua, Table, Value, Variadic};
use mod_xmpp::route;
use mod_xmpp::state::XmppState;

use super::jid::{LuaJid, jid_arg};
use super::session::{LuaSession, presence_table};
use super::xml::{LuaNode, element_arg};
use crate::host::{generation_of, host_of};
use crate::instance::ModuleKind;

/// Return code of a stanza callback: handled, skip the default processing.
pub const DONE: i64 = 1;
/// Return code of a stanza callback: continue with the default processing.
pub const CONT: i64 = 0;

/// The generation and the xmpp module's state, for routing and session lookups.
pub fn xmpp_state(lua: &Lua) -> mlua::Result<(Arc<Generation>, Arc<XmppState>)> {
    let generation = generation_of(lua)?;
    let state = XmppState::of(&generation)
        .ok_or_else(|| mlua::Error::runtime("the xmpp module is not loaded"))?;
    Ok((generation, state))
}

/// Builds the `msys.xmpp` table.
pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let xmpp = lua.create_table()?;
    xmpp.set("DONE", DONE)?;
    xmpp.set("CONT", CONT)?;
    xmpp.set(
        "registerModule",
        lua.create_function(|lua, (name, module): (String, Table)| {
            super::msys::register(lua, name, module, ModuleKind::Xmpp)
        })?,
    )?;
    let parse = lua.create_function(|_, text: String| {
        Ok(match Jid::parse(&text) {
            Ok(jid) => (Some(LuaJid(jid)), None),
            Err(e) => (None, Some(e.to_string())),
        })
    })?;
    xmpp.set("jid", parse.clone())?;
    xmpp.set("jid_parse", parse)?;
    xmpp.set(
        "connected",
        lua.create_function(|lua, jid: Value| {
            let jid = jid_arg(&jid)?;
            let (_, state) = xmpp_state(lua)?;
            Ok(if jid.is_bare() {
                !state.router.sessions(&jid).is_empty()
            } else {
                state.router.session(&jid).is_some()
            })
        })?,
    )?;
    xmpp.set(
        "online",
        lua.create_function(|lua, jid: Value| {
            let jid = jid_arg(&jid)?;
            let (_, state) = xmpp_state(lua)?;
            let best = if jid.is_bare() {
                let sessions = state.router.sessions(&jid);
                sessions
                    .iter()
                    .filter(|s| s.priority().is_some())
                    .max_by_key(|s| s.priority())
                    .or(sessions.first())
                    .cloned()
            } else {
                state.router.session(&jid)
            };
            match best {
                Some(session) => presence_table(lua, &session),
                None => {
                    let table = lua.create_table()?;
                    table.set("availability", false)?;
                    Ok(table)
                }
            }
        })?,
    )?;
    xmpp.set(
        "sessions",
        lua.create_function(|lua, jid: Value| {
            let jid = jid_arg(&jid)?;
            let (_, state) = xmpp_state(lua)?;
            let sessions = state.router.sessions(&jid.bare());
            let list = lua.create_table()?;
            for session in sessions {
                list.push(LuaSession(session))?;
            }
            Ok(list)
        })?,
    )?;
    xmpp.set(
        "user_exists",
        lua.create_function(|lua, jid: Value| {
            let jid = jid_arg(&jid)?;
            let (_, state) = xmpp_state(lua)?;
            Ok(state.hosts(jid.domain()) && state.account_exists(&jid.bare()))
        })?,
    )?;
    xmpp.set(
        "routeStanza",
        lua.create_function(|lua, stanza: Value| route_element(lua, element_arg(&stanza)?))?,
    )?;
    xmpp.set(
        "send",
        lua.create_function(|lua, args: Variadic<Value>| {
            // Both `xmpp.send(xml)` and `xmpp:send(xml)` work.
            let stanza = args
                .iter()
                .rev()
                .find(|v| !matches!(v, Value::Table(_)))
                .cloned()
                .unwrap_or(Value::Nil);
            match element_arg(&stanza) {
                Ok(element) => route_element(lua, element),
                Err(_) => Ok(false),
            }
        })?,
    )?;
    xmpp.set(
        "error_reply",
        lua.create_function(
            |_, (stanza, condition, text): (Value, String, Option<String>)| {
                let element = element_arg(&stanza)?;
                let condition = StanzaErrorCondition::from_name(&condition).ok_or_else(|| {
                    mlua::Error::runtime(format!("unknown stanza error condition '{condition}'"))
                })?;
                let mut error = StanzaError::new(condition);
                if let Some(text) = text {
                    error = error.with_text(&text);
                }
                Ok(error_reply(&element, &error).map(|reply| LuaNode::from_element(&reply)))
            },
        )?,
    )?;
    xmpp.set(
        "add_feature",
        lua.create_function(|lua, namespace: String| {
            Ok(host_of(lua)?.collect(|c| c.features.push(namespace)))
        })?,
    )?;
    xmpp.set(
        "add_stream_feature",
        lua.create_function(|lua, feature: Value| {
            let element = element_arg(&feature)?;
            Ok(host_of(lua)?.collect(|c| c.stream_features.push(element)))
        })?,
    )?;
    xmpp.set(
        "new_id",
        lua.create_function(|_, ()| {
            use std::sync::atomic::{AtomicU64, Ordering};
            static NEXT: AtomicU64 = AtomicU64::new(1);
            Ok(format!("impetus-{}", NEXT.fetch_add(1, Ordering::Relaxed)))
        })?,
    )?;
    Ok(xmpp)
}

/// Routes a stanza built by a script; `false` if it is not a message, presence or iq.
fn route_element(lua: &Lua, element: Element) -> mlua::Result<bool> {
    if kind_of(&element).is_none() {
        return Ok(false);
    }
    let (generation, state) = xmpp_state(lua)?;
    route::route(&state, &generation, element);
    Ok(true)
}
