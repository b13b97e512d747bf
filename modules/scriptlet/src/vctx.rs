//! The arguments of the `validate_connect(ac, vctx)` callout: `ac` is a table describing the
//! accepted connection (`remote_ip`, `remote_addr`, `local_addr`, `listener`); `vctx` is the
//! validation context, where `vctx:set_code(code, text)` (a code of 400 or more) or
//! `vctx:refuse(text)` refuses the connection before any byte is read, and `vctx:get(key)`
//! reads the same fields as `ac`.

use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

use impetus_runtime::listener::ConnectAttempt;
use mlua::{IntoLua, Lua, UserData, UserDataMethods, Value};

/// The validation context of one accepted connection.
pub struct Vctx {
    /// Set when a script refuses the connection: the reason for the log.
    pub refusal: Rc<RefCell<Option<String>>>,
    listener: String,
    local: String,
    peer: IpAddr,
}

impl Vctx {
    /// The context for `attempt`.
    pub fn new(attempt: &ConnectAttempt) -> Vctx {
        Vctx {
            refusal: Rc::new(RefCell::new(None)),
            listener: attempt.listener.clone(),
            local: attempt.local.clone(),
            peer: attempt.peer,
        }
    }

    fn field(&self, key: &str) -> Option<String> {
        match key {
            "remote_ip" | "remote_addr" => Some(self.peer.to_string()),
            "local_addr" => Some(self.local.clone()),
            "listener" => Some(self.listener.clone()),
            _ => None,
        }
    }

    /// The `ac` table.
    pub fn accept_table(&self, lua: &Lua) -> mlua::Result<Value> {
        let table = lua.create_table()?;
        for key in ["remote_ip", "remote_addr", "local_addr", "listener"] {
            table.set(key, self.field(key))?;
        }
        table.into_lua(lua)
    }
}

impl UserData for Vctx {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("get", |_, this, key: String| Ok(this.field(&key)));
        methods.add_method(
            "set_code",
            |_, this, (code, text): (u32, Option<String>)| {
                if code >= 400 {
                    *this.refusal.borrow_mut() = Some(format!(
                        "{code} {}",
                        text.unwrap_or_else(|| "refused".to_owned())
                    ));
                }
                Ok(())
            },
        );
        methods.add_method("refuse", |_, this, text: Option<String>| {
            *this.refusal.borrow_mut() = Some(text.unwrap_or_else(|| "refused".to_owned()));
            Ok(())
        });
    }
}
