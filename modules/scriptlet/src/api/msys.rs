//! The global `msys` table (spec §4.2): `msys.registerModule`, `msys.core` with the
//! `VALIDATE_*` codes, `msys.runInPool`, `msys.log.<level>` (Impetus), `print` to the log, and
//! `require` for the built-in bindings and for Lua modules on the search path.

use std::rc::Rc;

use mlua::{Function, Lua, MultiValue, Table, Value, Variadic};

use crate::error::LoadError;
use crate::host::host_of;
use crate::instance::{Loading, ModuleKind, Registered};
use crate::source::Missing;

/// `msys.core.VALIDATE_CONT`: keep going.
pub const VALIDATE_CONT: i64 = 0;
/// `msys.core.VALIDATE_DONE`: this phase is decided, skip the rest of it.
pub const VALIDATE_DONE: i64 = 1;
/// `msys.core.VALIDATE_AGAIN`: call again later (Impetus callouts never block: same as CONT).
pub const VALIDATE_AGAIN: i64 = 2;

/// The registry key of the table of loaded modules (`require` cache).
const LOADED: &str = "impetus.loaded";

/// Records a `registerModule` call made by the running script's top level.
pub fn register(lua: &Lua, name: String, table: Table, kind: ModuleKind) -> mlua::Result<()> {
    let loading = lua
        .app_data_ref::<Rc<Loading>>()
        .map(|l| l.clone())
        .ok_or_else(|| mlua::Error::runtime("registerModule works only at a script's top level"))?;
    let script = loading.current.borrow().clone();
    loading.registered.borrow_mut().push(Registered {
        name,
        script,
        kind,
        table,
    });
    Ok(())
}

/// Builds `msys` and installs it, `print` and `require` as globals.
pub fn install(lua: &Lua, xmpp: Table, xml: Table, db: Table, kv: Table) -> mlua::Result<()> {
    let msys = lua.create_table()?;
    let core = lua.create_table()?;
    core.set("VALIDATE_CONT", VALIDATE_CONT)?;
    core.set("VALIDATE_DONE", VALIDATE_DONE)?;
    core.set("VALIDATE_AGAIN", VALIDATE_AGAIN)?;
    msys.set("core", core.clone())?;
    msys.set(
        "registerModule",
        lua.create_function(|lua, (name, module): (String, Table)| {
            register(lua, name, module, ModuleKind::Core)
        })?,
    )?;
    msys.set("runInPool", lua.create_function(run_in_pool)?)?;
    msys.set("log", log_table(lua)?)?;
    msys.set("xmpp", xmpp.clone())?;
    msys.set("db", db.clone())?;
    msys.set("kv", kv.clone())?;
    let datasource = lua.create_table()?;
    msys.set("datasource", datasource.clone())?;

    let loaded = lua.create_table()?;
    for (name, table) in [
        ("msys", msys.clone()),
        ("msys.core", core),
        ("msys.xmpp", xmpp),
        ("msys.db", db),
        ("msys.kv", kv),
        ("msys.datasource", datasource),
        ("xml", xml),
    ] {
        loaded.set(name, table)?;
    }
    lua.set_named_registry_value(LOADED, loaded)?;

    let globals = lua.globals();
    globals.set("msys", msys)?;
    globals.set("require", lua.create_function(require)?)?;
    globals.set(
        "print",
        lua.create_function(|_, args: Variadic<Value>| {
            let text: Vec<String> = args.iter().map(display).collect();
            tracing::info!(target: "mod_scriptlet", "scriptlet: {}", text.join("\t"));
            Ok(())
        })?,
    )?;
    Ok(())
}

/// `require(name)`: a built-in binding, else `name` (`a.b` or `a/b`) from the search path,
/// run once per state.
fn require(lua: &Lua, name: String) -> mlua::Result<Value> {
    let loaded: Table = lua.named_registry_value(LOADED)?;
    let cached: Value = loaded.get(name.as_str())?;
    if cached != Value::Nil {
        return Ok(cached);
    }
    let host = host_of(lua)?;
    let source = host.library(&name).map_err(|missing| {
        let error = match missing {
            Missing::NotFound(searched) => LoadError::NotFound {
                script: String::from("require"),
                name: name.clone(),
                searched,
            },
            Missing::Unreadable(path, e) => LoadError::Read {
                script: String::from("require"),
                path: path.display().to_string(),
                reason: e.to_string(),
            },
        };
        mlua::Error::runtime(error.to_string())
    })?;
    let value: Value = lua
        .load(source.text.as_str())
        .set_name(format!("@{}", source.chunk))
        .call(name.as_str())?;
    let value = if value == Value::Nil {
        Value::Boolean(true)
    } else {
        value
    };
    loaded.set(name.as_str(), value.clone())?;
    Ok(value)
}

/// `msys.runInPool(pool, fn[, completion])`: runs `fn` as blocking work (the worker thread is
/// handed over to the runtime meanwhile) and returns `pcall`-style results; a `completion`
/// function is also called with them.
fn run_in_pool(
    lua: &Lua,
    (_pool, work, rest): (Value, Function, Variadic<Value>),
) -> mlua::Result<MultiValue> {
    let run = || work.call::<MultiValue>(());
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let outcome = if multi_thread {
        tokio::task::block_in_place(run)
    } else {
        run()
    };
    let results = match outcome {
        Ok(mut values) => {
            values.push_front(Value::Boolean(true));
            values
        }
        Err(e) => MultiValue::from_iter([
            Value::Boolean(false),
            Value::String(lua.create_string(e.to_string())?),
        ]),
    };
    if let Some(Value::Function(completion)) = rest.first() {
        completion.call::<()>(results.clone())?;
    }
    Ok(results)
}

/// `msys.log.debug/info/notice/warning/error(text)`, at the module's log target.
fn log_table(lua: &Lua) -> mlua::Result<Table> {
    let log = lua.create_table()?;
    log.set(
        "debug",
        lua.create_function(|_, t: String| {
            tracing::debug!(target: "mod_scriptlet", "scriptlet: {t}");
            Ok(())
        })?,
    )?;
    for level in ["info", "notice"] {
        log.set(
            level,
            lua.create_function(|_, t: String| {
                tracing::info!(target: "mod_scriptlet", "scriptlet: {t}");
                Ok(())
            })?,
        )?;
    }
    log.set(
        "warning",
        lua.create_function(|_, t: String| {
            tracing::warn!(target: "mod_scriptlet", "scriptlet: {t}");
            Ok(())
        })?,
    )?;
    log.set(
        "error",
        lua.create_function(|_, t: String| {
            tracing::error!(target: "mod_scriptlet", "scriptlet: {t}");
            Ok(())
        })?,
    )?;
    Ok(log)
}

/// How `print` shows a value.
fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string_lossy(),
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        other => other
            .to_string()
            .unwrap_or_else(|_| other.type_name().to_owned()),
    }
}
