//! Roster storage for scripts (Impetus additions to `msys.xmpp`): `xmpp.roster_load(jid)`
//! returns the items of a bare JID keyed by contact JID, and its version;
//! `xmpp.roster_store(jid, items, version [, previous])` writes them back (with `previous`,
//! only if the stored version is still that one, so concurrent changes are never lost; it
//! returns whether it wrote). Documents keep the JSON shape of
//! Momentum's Riak bucket (spec §4.6): `{"bob@x": {"name": "Bob", "groups": ["work"],
//! "pending_requests": {}, "subscription": "both"}}`, plus `ask`, `approved` and `hidden`
//! when set; unknown fields survive a load and store.

use std::collections::BTreeMap;

use mlua::{Lua, LuaSerdeExt, Table, Value};
use serde::{Deserialize, Serialize};

use super::jid::jid_arg;
use crate::host::host_of;

/// One contact in a user's roster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RosterItem {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Inbound requests waiting for the user (the presence script keeps the `subscribe`
    /// stanza here until the user answers).
    #[serde(default)]
    pub pending_requests: BTreeMap<String, serde_json::Value>,
    /// `none`, `to`, `from` or `both`.
    #[serde(default = "none")]
    pub subscription: String,
    /// `subscribe` while the user's request is pending (RFC 6121 "Pending Out").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    /// Subscription pre-approved by the user (RFC 6121 §3.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approved: bool,
    /// Kept only for a pending inbound request; not shown in the roster.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn none() -> String {
    "none".to_owned()
}

/// A whole roster, keyed by contact bare JID.
pub type Roster = BTreeMap<String, RosterItem>;

/// Adds `roster_load` and `roster_store` to `xmpp`.
pub fn install(lua: &Lua, xmpp: &Table) -> mlua::Result<()> {
    xmpp.set(
        "roster_load",
        lua.create_function(|lua, jid: Value| {
            let bare = jid_arg(&jid)?.bare().to_string();
            let stored = host_of(lua)?
                .store
                .roster_get(&bare)
                .map_err(mlua::Error::external)?;
            let (roster, version) = match stored {
                Some((json, version)) => (
                    serde_json::from_str::<Roster>(&json).map_err(|e| {
                        mlua::Error::runtime(format!("the roster of {bare} is corrupt: {e}"))
                    })?,
                    version,
                ),
                None => (Roster::new(), String::new()),
            };
            Ok((lua.to_value(&roster)?, version))
        })?,
    )?;
    xmpp.set(
        "roster_store",
        lua.create_function(
            |lua, (jid, items, version, previous): (Value, Value, String, Option<String>)| {
                let bare = jid_arg(&jid)?.bare().to_string();
                let roster: Roster = lua.from_value(items)?;
                let json = serde_json::to_string(&roster).map_err(mlua::Error::external)?;
                let store = &host_of(lua)?.store;
                match previous {
                    Some(previous) => store.roster_replace(&bare, &json, &version, &previous),
                    None => store.roster_put(&bare, &json, &version).map(|()| true),
                }
                .map_err(mlua::Error::external)
            },
        )?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_shape_round_trips_and_keeps_unknown_fields() {
        let json = r#"{"friend@example.org":{"name":"friend","groups":["work"],"pending_requests":{},"subscription":"both","custom":1}}"#;
        let roster: Roster = serde_json::from_str(json).expect("parses");
        let item = &roster["friend@example.org"];
        assert_eq!(item.subscription, "both");
        assert_eq!(item.groups, ["work"]);
        assert_eq!(serde_json::to_string(&roster).expect("serialises"), json);
        let minimal: Roster = serde_json::from_str(r#"{"a@b":{}}"#).expect("parses");
        assert_eq!(minimal["a@b"].subscription, "none");
    }

    #[test]
    fn lua_tables_convert_both_ways() {
        let lua = Lua::new();
        let roster: Roster = serde_json::from_str(
            r#"{"b@x":{"groups":[],"pending_requests":{"subscribe":"<presence/>"},"subscription":"none","ask":"subscribe","hidden":true}}"#,
        )
        .expect("parses");
        let value = lua.to_value(&roster).expect("to lua");
        lua.globals().set("r", value).expect("set");
        lua.load(r#"r["b@x"].groups[1] = "Friends"; r["b@x"].hidden = false; r["c@x"] = { subscription = "to", groups = {}, pending_requests = {} }"#)
            .exec()
            .expect("edits");
        let back: Roster = lua
            .from_value(lua.globals().get::<Value>("r").expect("get"))
            .expect("from lua");
        assert_eq!(back["b@x"].groups, ["Friends"]);
        assert!(!back["b@x"].hidden);
        assert_eq!(back["b@x"].ask.as_deref(), Some("subscribe"));
        assert_eq!(back["c@x"].subscription, "to");
        assert_eq!(
            serde_json::to_string(&back["c@x"]).expect("json"),
            r#"{"groups":[],"pending_requests":{},"subscription":"to"}"#
        );
    }
}
