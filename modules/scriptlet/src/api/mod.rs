//! The Lua API, one file per Lua table (the reference page is `scriptlets/README.md`):
//! `msys.rs` (`msys`, `msys.core`, `print`, `require`, `msys.runInPool`, `msys.log`),
//! `xmpp.rs` (`msys.xmpp`), `jid.rs` (JID objects), `session.rs` (session objects and their
//! data), `roster.rs` (roster storage), `domain.rs` (domain options), `db.rs` (`msys.db`,
//! `msys.kv`), `xml.rs` (`require("xml")`).
//!
//! The Lua API is an API boundary: changing a name or a behaviour needs a changelog line.

pub mod db;
pub mod domain;
pub mod jid;
pub mod msys;
pub mod roster;
pub mod session;
pub mod xml;
pub mod xmpp;

use mlua::Lua;

/// Installs every table into a fresh state.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let xmpp = xmpp::table(lua)?;
    roster::install(lua, &xmpp)?;
    domain::install(lua, &xmpp)?;
    msys::install(
        lua,
        xmpp,
        xml::table(lua)?,
        db::db_table(lua)?,
        db::kv_table(lua)?,
    )
}
