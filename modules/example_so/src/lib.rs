//! A sample external module, built as a shared object against the versioned C ABI and loaded
//! from config with `external_module "example_so" { path = ".../libexample_so.so" }`.
//!
//! It declares one option, `deny_peer` (an IP address), and implements the `validate_connect`
//! hook: connections from that address are refused before any byte is read, and it logs a line
//! for each one through the host.
#![warn(missing_docs)]

use std::ffi::{CStr, CString, c_char, c_void};

use impetus_module_abi::{ABI_VERSION, HostV1, KeyValueV1, ModuleV1, OptionV1, level};

static OPTIONS: [OptionV1; 1] = [OptionV1 {
    name: c"deny_peer".as_ptr(),
    doc: c"An IP address whose connections this module refuses.".as_ptr(),
    default: std::ptr::null(),
}];

static MODULE: ModuleV1 = ModuleV1 {
    abi_version: ABI_VERSION,
    name: c"example_so".as_ptr(),
    doc: c"Sample external module: refuses connections from deny_peer.".as_ptr(),
    options: OPTIONS.as_ptr(),
    option_count: OPTIONS.len(),
    configure,
    validate_connect: Some(validate_connect),
    destroy,
};

struct State {
    deny_peer: Option<String>,
    log: unsafe extern "C" fn(u32, *const c_char),
}

/// The entry symbol the core looks up.
#[unsafe(no_mangle)]
pub extern "C" fn impetus_module_entry() -> *const ModuleV1 {
    &MODULE
}

/// Reads a NUL-terminated string the host passed in.
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string valid for the call.
unsafe fn text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    Some(
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned(),
    )
}

unsafe extern "C" fn configure(
    host: *const HostV1,
    options: *const KeyValueV1,
    count: usize,
) -> *mut c_void {
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the host passes a valid HostV1 for the duration of the call.
        let host = unsafe { &*host };
        let mut deny_peer = None;
        for i in 0..count {
            // SAFETY: `options` points to `count` entries.
            let entry = unsafe { &*options.add(i) };
            // SAFETY: keys and values are NUL-terminated strings owned by the host.
            if unsafe { text(entry.key) }.as_deref() == Some("deny_peer") {
                deny_peer = unsafe { text(entry.value) };
            }
        }
        let message = CString::new(format!("example_so configured; deny_peer = {deny_peer:?}"))
            .unwrap_or_default();
        // SAFETY: `log` is the host's thread-safe logging function.
        unsafe { (host.log)(level::NOTICE, message.as_ptr()) };
        Box::into_raw(Box::new(State {
            deny_peer,
            log: host.log,
        })) as *mut c_void
    });
    result.unwrap_or(std::ptr::null_mut())
}

unsafe extern "C" fn validate_connect(state: *mut c_void, peer_ip: *const c_char) -> i32 {
    let result = std::panic::catch_unwind(|| {
        // SAFETY: `state` is the pointer `configure` returned and stays valid until `destroy`.
        let state = unsafe { &*(state as *const State) };
        // SAFETY: the host passes a NUL-terminated string or null.
        let peer = unsafe { text(peer_ip) };
        if peer.is_some() && peer == state.deny_peer {
            let message = CString::new(format!(
                "example_so refused a connection from {}",
                peer.unwrap_or_default()
            ))
            .unwrap_or_default();
            // SAFETY: `log` is the host's thread-safe logging function.
            unsafe { (state.log)(level::NOTICE, message.as_ptr()) };
            1
        } else {
            0
        }
    });
    result.unwrap_or(0)
}

unsafe extern "C" fn destroy(state: *mut c_void) {
    if !state.is_null() {
        // SAFETY: `state` came from `Box::into_raw` in `configure` and is destroyed once.
        drop(unsafe { Box::from_raw(state as *mut State) });
    }
}
