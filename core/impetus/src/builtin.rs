//! The one list of built-in modules: the only place the core names a module.

use impetus_runtime::ModuleSpec;

/// Every module linked into the binary, in no particular order (config order decides).
pub fn modules() -> Vec<&'static ModuleSpec> {
    vec![
        &mod_xmpp::MODULE,
        &mod_auth_plain::MODULE,
        &mod_auth_digestmd5::MODULE,
        &mod_auth_scram::MODULE,
        &mod_dkim_sign::MODULE,
    ]
}
