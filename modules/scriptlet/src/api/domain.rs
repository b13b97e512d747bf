//! Domain options for scripts (spec §5, Impetus additions to `msys.xmpp`):
//! `xmpp.valid_domain(d)` (hosted here: `XMPP_Role = "server"`), `xmpp.domain_role(d)`
//! (`"server"`, `"client"` or nil) and `xmpp.domain_option(d, name)` (the option's value as
//! a string, through the domain fallback chain `#xmpp#d` → `d` → regex domains → global).

use mlua::{Lua, Table};

use crate::host::host_of;

/// The option's scalar value for `domain`, resolved through the domain chain.
fn option(lua: &Lua, domain: &str, name: &str) -> mlua::Result<Option<String>> {
    let host = host_of(lua)?;
    let resolved = host.config.domain(domain);
    Ok(resolved
        .get_raw(name)
        .and_then(|value| value.value.as_scalar().map(str::to_owned)))
}

/// Adds the domain functions to `xmpp`.
pub fn install(lua: &Lua, xmpp: &Table) -> mlua::Result<()> {
    xmpp.set(
        "domain_option",
        lua.create_function(|lua, (domain, name): (String, String)| option(lua, &domain, &name))?,
    )?;
    xmpp.set(
        "domain_role",
        lua.create_function(|lua, domain: String| {
            Ok(option(lua, &domain, "xmpp_role")?.map(|role| role.to_ascii_lowercase()))
        })?,
    )?;
    xmpp.set(
        "valid_domain",
        lua.create_function(|lua, domain: String| {
            let display = impetus_config::resolve::display_name(&domain);
            Ok(option(lua, display, "xmpp_role")?
                .is_some_and(|role| role.eq_ignore_ascii_case("server")))
        })?,
    )?;
    Ok(())
}
