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
        &mod_xmpp_logger::MODULE,
        &mod_scriptlet::MODULE,
    ]
}

#[cfg(test)]
mod tests {
    use impetus_runtime::Registry;

    /// Every option default of every built-in module parses as its type, and the empty
    /// configuration validates.
    #[test]
    fn defaults_parse_and_the_empty_config_validates() {
        let schema = Registry::new(super::modules()).schema(&[]);
        let problems = schema.check_defaults();
        assert!(problems.is_empty(), "{problems:#?}");
        let (tree, diagnostics) = impetus_config::parse_str("", "empty.conf");
        assert!(diagnostics.is_empty());
        let (_, diagnostics) = impetus_config::validate(tree, &schema);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    }
}
