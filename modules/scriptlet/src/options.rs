//! Options of the `scriptlet "name" {}` stanza and of its `script "name" { source = ... }`
//! scopes (spec §4.1), plus the Impetus safety limits. The only place this module declares
//! options.

use std::path::PathBuf;

use impetus_config::declare_options;
use impetus_config::types::{Seconds, Size};

declare_options! {
    /// Options of the scriptlet stanza.
    pub struct ScriptletOptions {
        /// Seconds a Lua state is reused before it is replaced by a fresh one (Momentum's script cache lifetime).
        script_ttl: Seconds = "300", scopes [scriptlet];
        /// Lua 5.1 garbage collector pause, in percent (`collectgarbage("setpause")`).
        gc_pause: u32 = "200", scopes [scriptlet];
        /// Lua 5.1 garbage collector step multiplier, in percent (`collectgarbage("setstepmul")`).
        gc_stepmul: u32 = "200", scopes [scriptlet];
        /// Accepted for compatibility: Lua states are reaped when their `script_ttl` ends.
        reap_interval: Seconds = "1", scopes [scriptlet];
        /// Accepted for compatibility: Impetus keeps one Lua state per worker thread.
        max_spare_per_master: u32 = "5000", scopes [scriptlet];
        /// Obsolete in Momentum; accepted and ignored.
        always_gc: bool = "false", scopes [scriptlet];
        /// Impetus: memory one Lua state may allocate; an allocation past it fails the running callback.
        memory_limit: Size = "64M", scopes [scriptlet];
        /// Impetus: Lua VM instructions one callback may run (an endless loop is stopped with an error).
        instruction_limit: u64 = "10000000", scopes [scriptlet];
        /// Impetus: extra directories searched for script sources and `require`d modules, after the
        /// configuration file's directory and before the shipped library; relative to the configuration file.
        script_path: Vec<PathBuf> = "()", scopes [scriptlet];
    }
}

declare_options! {
    /// Options of a `script "name" {}` scope.
    pub struct ScriptOptions {
        /// The Lua source: a module name with `.` or `/` between directories (`msys.xmpp.presence`,
        /// `policy/my_bridge`), resolved against the search path; `.lua` is added.
        source: String = none, scopes [script];
    }
}
