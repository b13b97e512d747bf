//! The versioned C ABI between the Impetus core and modules loaded from shared objects.
//!
//! A module exports one symbol, [`ENTRY_SYMBOL`] (`impetus_module_entry`), an
//! `extern "C" fn() -> *const ModuleV1`. The core reads `abi_version` *first* and refuses any
//! version it does not know, so later ABIs may change everything after that field. Only C
//! types cross the boundary; strings are NUL-terminated UTF-8 owned by the side that made them;
//! every function a module exports must be thread-safe and must not unwind.
#![warn(missing_docs)]

use std::ffi::{c_char, c_void};

/// The ABI version this crate describes.
pub const ABI_VERSION: u32 = 1;

/// The symbol every module exports.
pub const ENTRY_SYMBOL: &[u8] = b"impetus_module_entry\0";

/// Signature of the entry symbol.
pub type EntryFn = unsafe extern "C" fn() -> *const ModuleV1;

/// Log levels passed to [`HostV1::log`] (Momentum's debug levels).
pub mod level {
    /// DEBUG.
    pub const DEBUG: u32 = 0;
    /// INFO.
    pub const INFO: u32 = 1;
    /// NOTICE.
    pub const NOTICE: u32 = 2;
    /// WARNING.
    pub const WARNING: u32 = 3;
    /// ERROR.
    pub const ERROR: u32 = 4;
    /// CRITICAL.
    pub const CRITICAL: u32 = 5;
}

/// One option the module declares (all options are strings at this ABI version).
#[repr(C)]
pub struct OptionV1 {
    /// Option name.
    pub name: *const c_char,
    /// One-line documentation (required).
    pub doc: *const c_char,
    /// Default in config syntax, or null for none.
    pub default: *const c_char,
}

/// A configured option value handed to `configure`.
#[repr(C)]
pub struct KeyValueV1 {
    /// Option name.
    pub key: *const c_char,
    /// Value as written (scalars only).
    pub value: *const c_char,
}

/// Services the core offers to the module.
#[repr(C)]
pub struct HostV1 {
    /// The ABI version of the host.
    pub abi_version: u32,
    /// Logs a line under the module's name.
    pub log: unsafe extern "C" fn(level: u32, message: *const c_char),
}

/// What a module exports.
#[repr(C)]
pub struct ModuleV1 {
    /// Must be [`ABI_VERSION`]; read before anything else.
    pub abi_version: u32,
    /// Module name (its config stanza name).
    pub name: *const c_char,
    /// One-line documentation.
    pub doc: *const c_char,
    /// Declared options.
    pub options: *const OptionV1,
    /// Number of declared options.
    pub option_count: usize,
    /// Builds an instance from its options; returns its state, or null to refuse the config.
    pub configure: unsafe extern "C" fn(
        host: *const HostV1,
        options: *const KeyValueV1,
        count: usize,
    ) -> *mut c_void,
    /// `validate_connect` hook: nonzero refuses the connection from `peer_ip` (may be null).
    pub validate_connect:
        Option<unsafe extern "C" fn(state: *mut c_void, peer_ip: *const c_char) -> i32>,
    /// Frees the state when the instance's generation is retired.
    pub destroy: unsafe extern "C" fn(state: *mut c_void),
}

// SAFETY: the struct holds pointers to immutable static data and functions the ABI requires to
// be thread-safe, so it may be shared and sent across threads.
unsafe impl Sync for ModuleV1 {}
// SAFETY: see above.
unsafe impl Sync for OptionV1 {}
