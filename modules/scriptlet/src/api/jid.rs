//! JID objects (`xmpp.jid("a@b/c")`): `jid:user()`, `jid:domain()`, `jid:resource()`,
//! `jid:bare()` and `jid:get()` (the full JID), comparable with `==` and printable.

use impetus_xmpp_proto::jid::Jid;
use mlua::{MetaMethod, UserData, UserDataMethods, Value};

/// A parsed, normalised JID in Lua.
#[derive(Debug, Clone)]
pub struct LuaJid(pub Jid);

impl UserData for LuaJid {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("user", |_, this, ()| Ok(this.0.node().map(str::to_owned)));
        methods.add_method("domain", |_, this, ()| Ok(this.0.domain().to_owned()));
        methods.add_method("resource", |_, this, ()| {
            Ok(this.0.resource().map(str::to_owned))
        });
        methods.add_method("bare", |_, this, ()| Ok(this.0.bare().to_string()));
        methods.add_method("get", |_, this, ()| Ok(this.0.to_string()));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(this.0.to_string()));
        methods.add_meta_method(MetaMethod::Eq, |_, this, other: Value| {
            Ok(jid_arg(&other).is_ok_and(|jid| jid == this.0))
        });
    }
}

/// A JID from a Lua string or JID object.
pub fn jid_arg(value: &Value) -> mlua::Result<Jid> {
    match value {
        Value::String(s) => {
            Jid::parse(&s.to_str()?).map_err(|e| mlua::Error::runtime(format!("invalid JID: {e}")))
        }
        Value::UserData(ud) => Ok(ud.borrow::<LuaJid>()?.0.clone()),
        other => Err(mlua::Error::runtime(format!(
            "expected a JID string or object, got {}",
            other.type_name()
        ))),
    }
}
