//! The scriptlet host of one configuration generation: the script sources, the limits, and
//! the Lua states that run them. States are reused: each worker thread keeps one state per
//! host (in a thread-local), created on first use and replaced after `script_ttl`; none is
//! ever created per stanza. A callback runs in the state of the thread it fires on, so nested
//! calls (a script routing a stanza that fires another hook) re-enter the same state.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use impetus_config::Config;
use impetus_runtime::Generation;
use impetus_storage::Store;
use impetus_xml::Element;
use mlua::{Lua, MultiValue, Value};
use parking_lot::Mutex;

use crate::api::session::SessionData;
use crate::error::{LoadError, ScriptError};
use crate::instance::{Instance, ModuleKind};
use crate::source::{Missing, SearchPath, Source};

/// Resource limits and GC settings of every Lua state of a host.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes one state may allocate.
    pub memory: usize,
    /// VM instructions one top-level callback may run.
    pub instructions: u64,
    /// `gc_pause` (percent).
    pub gc_pause: u32,
    /// `gc_stepmul` (percent).
    pub gc_stepmul: u32,
    /// How long a state is reused.
    pub ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 64 << 20,
            instructions: 10_000_000,
            gc_pause: 200,
            gc_stepmul: 200,
            ttl: Duration::from_secs(300),
        }
    }
}

/// What scripts asked to register while the configuration loaded.
#[derive(Debug, Default)]
pub struct Collected {
    /// Disco features (`xmpp.add_feature`).
    pub features: Vec<String>,
    /// Stream features (`xmpp.add_stream_feature`).
    pub stream_features: Vec<Element>,
}

/// Which module method a hook handler calls.
#[derive(Debug, Clone)]
pub struct Target {
    /// The `script "name"` stanza (equal to the module name).
    pub script: String,
    /// Whether the module was registered with `msys` or `msys.xmpp`.
    pub kind: ModuleKind,
    /// The method, e.g. `client_presence_recv`.
    pub method: String,
}

/// The scripts of one generation and everything their states share.
pub struct Host {
    /// `(script name, source)` in configuration order.
    pub scripts: Vec<(String, Source)>,
    /// Where `require` looks.
    pub search: SearchPath,
    /// Limits of every state.
    pub limits: Limits,
    /// The configuration the scripts were loaded for (domain options).
    pub config: Arc<Config>,
    /// The store (`msys.db`, `msys.kv`, rosters).
    pub store: Arc<dyn Store>,
    /// Per-session data scripts keep (`sess:set`).
    pub sessions: Arc<SessionData>,
    library: Mutex<HashMap<String, Source>>,
    generation: OnceLock<Weak<Generation>>,
    collected: Mutex<Option<Collected>>,
}

thread_local! {
    /// This thread's Lua state of each live host.
    static STATES: RefCell<Vec<(Weak<Host>, Rc<Instance>)>> = const { RefCell::new(Vec::new()) };
    /// Set while a state is being built on this thread (its top level must not re-enter).
    static BUILDING: Cell<bool> = const { Cell::new(false) };
}

impl Host {
    /// A host for `scripts`; it collects features until [`Host::finish_loading`].
    pub fn new(
        scripts: Vec<(String, Source)>,
        search: SearchPath,
        limits: Limits,
        config: Arc<Config>,
        store: Arc<dyn Store>,
        sessions: Arc<SessionData>,
    ) -> Host {
        Host {
            scripts,
            search,
            limits,
            config,
            store,
            sessions,
            library: Mutex::new(HashMap::new()),
            generation: OnceLock::new(),
            collected: Mutex::new(Some(Collected::default())),
        }
    }

    /// Builds this thread's state now (running every script's top level and `init`), so
    /// loading errors fail the configuration; returns what the scripts registered.
    pub fn load(self: &Arc<Self>) -> Result<Rc<Instance>, LoadError> {
        self.instance()
    }

    /// Ends the loading phase and returns the features scripts asked for.
    pub fn finish_loading(&self) -> Collected {
        self.collected.lock().take().unwrap_or_default()
    }

    /// Records something scripts register while loading; `false` once loading is over.
    pub fn collect(&self, f: impl FnOnce(&mut Collected)) -> bool {
        match self.collected.lock().as_mut() {
            Some(collected) => {
                f(collected);
                true
            }
            None => false,
        }
    }

    /// Attaches the generation the host belongs to (when the module starts).
    pub fn attach(&self, generation: &Arc<Generation>) {
        let _ = self.generation.set(Arc::downgrade(generation));
    }

    /// The generation, once the module started and while it lives.
    pub fn generation(&self) -> Option<Arc<Generation>> {
        self.generation.get().and_then(Weak::upgrade)
    }

    /// A `require`d module's source, read once per host.
    pub fn library(&self, name: &str) -> Result<Source, Missing> {
        if let Some(found) = self.library.lock().get(name) {
            return Ok(found.clone());
        }
        let source = self.search.load(name)?;
        self.library.lock().insert(name.to_owned(), source.clone());
        Ok(source)
    }

    /// This thread's state, built on first use or after its `script_ttl` ended.
    fn instance(self: &Arc<Self>) -> Result<Rc<Instance>, LoadError> {
        let me = Arc::downgrade(self);
        let mut retired = Vec::new();
        let gone = |_| LoadError::Lua {
            script: String::new(),
            message: "the thread is exiting; its Lua states are gone".into(),
        };
        let existing = STATES.try_with(|cell| {
            let mut states = cell.borrow_mut();
            let (live, dead): (Vec<_>, Vec<_>) = std::mem::take(&mut *states)
                .into_iter()
                .partition(|(host, _)| host.strong_count() > 0);
            *states = live;
            retired.extend(dead);
            let index = states.iter().position(|(host, _)| host.ptr_eq(&me))?;
            let instance = states[index].1.clone();
            if instance.expired(self.limits.ttl) && instance.idle() {
                retired.push(states.swap_remove(index));
                return None;
            }
            Some(instance)
        });
        // Retired states run `deinit` as they drop, outside the borrow.
        drop(retired);
        let existing = existing.map_err(gone)?;
        if let Some(instance) = existing {
            return Ok(instance);
        }
        if BUILDING.get() {
            return Err(LoadError::Lua {
                script: String::new(),
                message: "a script's top level re-entered the scriptlet host while loading".into(),
            });
        }
        BUILDING.set(true);
        let built = Instance::build(self);
        BUILDING.set(false);
        let instance = Rc::new(built?);
        STATES
            .try_with(|cell| cell.borrow_mut().push((me, instance.clone())))
            .map_err(gone)?;
        Ok(instance)
    }

    /// Calls `target`'s method with the module table as `self` and the arguments `args`
    /// builds; returns what it returned (nothing if the method is gone).
    pub fn call(
        self: &Arc<Self>,
        target: &Target,
        hook: &str,
        args: impl FnOnce(&Lua) -> mlua::Result<MultiValue>,
    ) -> Result<MultiValue, ScriptError> {
        let instance = self.instance().map_err(|e| ScriptError {
            script: target.script.clone(),
            hook: hook.to_owned(),
            location: "?".into(),
            message: e.to_string(),
        })?;
        // Every callback's duration feeds the Lua hook time metric, labelled by callback.
        impetus_runtime::metrics::LUA_HOOK_SECONDS
            .time(&[hook], || instance.call(target, args))
            .map_err(|e| ScriptError::from_lua(&target.script, hook, &e))
    }
}

/// The host a Lua state belongs to (kept weakly in the state's app data).
pub fn host_of(lua: &Lua) -> mlua::Result<Arc<Host>> {
    lua.app_data_ref::<Weak<Host>>()
        .and_then(|weak| weak.upgrade())
        .ok_or_else(|| mlua::Error::runtime("the scriptlet configuration is gone"))
}

/// The generation a Lua state's host belongs to.
pub fn generation_of(lua: &Lua) -> mlua::Result<Arc<Generation>> {
    host_of(lua)?
        .generation()
        .ok_or_else(|| mlua::Error::runtime("not available while the configuration is loading"))
}

/// Reads a callback's return code: `DONE` (1) or anything else (continue).
pub fn is_done(values: &MultiValue) -> bool {
    match values.front() {
        Some(Value::Integer(n)) => *n == 1,
        Some(Value::Number(n)) => *n == 1.0,
        _ => false,
    }
}
