//! One Lua 5.1 state with the Momentum API installed and every script loaded: sandboxed
//! standard library (no io, package, debug, file loading; `os` reduced to clocks), a memory
//! limit, an instruction budget per top-level callback, the configured GC knobs, then each
//! script's top level and each module's `init()`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use crate::error::LoadError;
use crate::host::{Host, Target};

/// Instructions between two budget checks.
const BUDGET_STEP: u32 = 1000;

/// Which registration call a module came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// `msys.registerModule` (callouts and `core_<hook>` methods).
    Core,
    /// `msys.xmpp.registerModule` (stanza callbacks).
    Xmpp,
}

/// A module table a script registered.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The name passed to `registerModule`.
    pub name: String,
    /// The script whose top level registered it.
    pub script: String,
    /// Which call registered it.
    pub kind: ModuleKind,
    /// The table.
    pub table: Table,
}

/// Bookkeeping while scripts load (Lua app data).
#[derive(Default)]
pub struct Loading {
    /// The script whose top level is running.
    pub current: RefCell<String>,
    /// Modules registered so far.
    pub registered: RefCell<Vec<Registered>>,
}

/// A ready Lua state.
pub struct Instance {
    /// The state.
    pub lua: Lua,
    /// Registered module tables.
    pub modules: Vec<Registered>,
    created: Instant,
    depth: Cell<u32>,
    ticks: Rc<Cell<u64>>,
}

impl Instance {
    /// Creates the state for `host` and loads its scripts.
    pub fn build(host: &Arc<Host>) -> Result<Instance, LoadError> {
        let lua_error = |script: &str, e: mlua::Error| LoadError::Lua {
            script: script.to_owned(),
            message: crate::error::ScriptError::from_lua(script, "load", &e).to_string(),
        };
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::OS,
            LuaOptions::default(),
        )
        .map_err(|e| lua_error("", e))?;
        let ticks = Rc::new(Cell::new(0u64));
        configure_state(&lua, host, ticks.clone()).map_err(|e| lua_error("", e))?;
        let loading = Rc::new(Loading::default());
        lua.set_app_data(Arc::downgrade(host));
        lua.set_app_data(loading.clone());
        crate::api::install(&lua).map_err(|e| lua_error("", e))?;
        for (name, source) in &host.scripts {
            *loading.current.borrow_mut() = name.clone();
            ticks.set(0);
            lua.load(source.text.as_str())
                .set_name(format!("@{}", source.chunk))
                .exec()
                .map_err(|e| lua_error(name, e))?;
        }
        let modules = loading.registered.take();
        // Registering is only possible while scripts load.
        lua.remove_app_data::<Rc<Loading>>();
        check_names(host, &modules)?;
        let instance = Instance {
            lua,
            modules,
            created: Instant::now(),
            depth: Cell::new(0),
            ticks,
        };
        instance.init()?;
        Ok(instance)
    }

    /// Runs `init()` of every module that has one; each must return `true`.
    fn init(&self) -> Result<(), LoadError> {
        for module in self.modules.iter().filter(|m| m.kind == ModuleKind::Core) {
            let Ok(init) = module.table.get::<Function>("init") else {
                continue;
            };
            self.ticks.set(0);
            let returned: Value = init
                .call(module.table.clone())
                .map_err(|e| LoadError::Lua {
                    script: module.script.clone(),
                    message: crate::error::ScriptError::from_lua(&module.script, "init", &e)
                        .to_string(),
                })?;
            if returned != Value::Boolean(true) {
                return Err(LoadError::InitFailed {
                    module: module.name.clone(),
                    returned: describe(&returned),
                });
            }
        }
        Ok(())
    }

    /// Whether the state outlived `ttl`.
    pub fn expired(&self, ttl: std::time::Duration) -> bool {
        self.created.elapsed() >= ttl
    }

    /// Whether no callback is running in the state.
    pub fn idle(&self) -> bool {
        self.depth.get() == 0
    }

    /// Calls `target` with the module table first; the instruction budget restarts for a
    /// top-level call and is shared by nested ones.
    pub fn call(
        &self,
        target: &Target,
        args: impl FnOnce(&Lua) -> mlua::Result<MultiValue>,
    ) -> mlua::Result<MultiValue> {
        let Some(module) = self
            .modules
            .iter()
            .find(|m| m.name == target.script && m.kind == target.kind)
        else {
            return Ok(MultiValue::new());
        };
        let Ok(method) = module.table.get::<Function>(target.method.as_str()) else {
            return Ok(MultiValue::new());
        };
        if self.depth.get() == 0 {
            self.ticks.set(0);
        }
        self.depth.set(self.depth.get() + 1);
        let result = args(&self.lua).and_then(|mut values| {
            values.push_front(Value::Table(module.table.clone()));
            method.call::<MultiValue>(values)
        });
        self.depth.set(self.depth.get() - 1);
        if result.is_err() && self.idle() {
            // A failed callback may have left garbage up to the memory limit: reclaim it now
            // so the next callback starts clean.
            let _ = self.lua.gc_collect();
            let _ = self.lua.gc_collect();
        }
        result
    }
}

impl Drop for Instance {
    /// A retired state runs its modules' `deinit()`; failures are only logged.
    fn drop(&mut self) {
        for module in self.modules.iter().filter(|m| m.kind == ModuleKind::Core) {
            if let Ok(deinit) = module.table.get::<Function>("deinit") {
                self.ticks.set(0);
                if let Err(e) = deinit.call::<Value>(module.table.clone()) {
                    let error = crate::error::ScriptError::from_lua(&module.script, "deinit", &e);
                    tracing::error!(target: "mod_scriptlet", line = error.line(), "{error}");
                }
            }
        }
    }
}

/// Sandbox, memory limit, GC parameters and the instruction budget.
fn configure_state(lua: &Lua, host: &Host, ticks: Rc<Cell<u64>>) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in ["dofile", "loadfile"] {
        globals.raw_set(name, Value::Nil)?;
    }
    // `os` keeps only what cannot touch the process or the file system.
    let os: Table = globals.get("os")?;
    let safe = lua.create_table()?;
    for name in ["time", "clock", "date", "difftime"] {
        safe.raw_set(name, os.get::<Value>(name)?)?;
    }
    globals.raw_set("os", safe)?;
    lua.gc_set_mode(mlua::state::GcMode::Incremental(
        mlua::state::GcIncParams::default()
            .pause(host.limits.gc_pause as i32)
            .step_multiplier(host.limits.gc_stepmul as i32),
    ));
    lua.set_memory_limit(host.limits.memory)?;
    let limit = host.limits.instructions;
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(BUDGET_STEP),
        move |_, _| {
            let used = ticks.get() + 1;
            ticks.set(used);
            if used.saturating_mul(u64::from(BUDGET_STEP)) > limit {
                Err(mlua::Error::runtime(format!(
                    "instruction budget of {limit} exceeded (endless loop?)"
                )))
            } else {
                Ok(VmState::Continue)
            }
        },
    )?;
    Ok(())
}

/// Every script registers a module named after its stanza, and nothing else.
fn check_names(host: &Host, modules: &[Registered]) -> Result<(), LoadError> {
    for (script, _) in &host.scripts {
        let mine: Vec<&Registered> = modules.iter().filter(|m| &m.script == script).collect();
        let matching = mine.iter().any(|m| &m.name == script);
        let stray: Vec<&str> = mine
            .iter()
            .filter(|m| &m.name != script)
            .map(|m| m.name.as_str())
            .collect();
        if !matching || !stray.is_empty() {
            let found = if mine.is_empty() {
                "it registered no module".to_owned()
            } else {
                format!("it registered {}", quoted(&stray))
            };
            return Err(LoadError::NotRegistered {
                script: script.clone(),
                found,
            });
        }
    }
    Ok(())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(value: &Value) -> String {
    match value {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::String(s) => format!("\"{}\"", s.to_string_lossy()),
        other => other.type_name().to_owned(),
    }
}
