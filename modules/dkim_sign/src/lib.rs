//! The `dkim_sign` module, accepted and ignored. Momentum documented `dkim_sign "dkim_sign1" {}`
//! only to force-load a SHA-256 library on Solaris so server dialback worked (seed 001); Impetus
//! has SHA-256 everywhere and signs no mail, so the stanza exists only so that admins'
//! existing configurations keep validating. It logs once that it does nothing.
#![warn(missing_docs)]

use std::sync::Arc;

use impetus_config::{Diagnostic, InstanceRule, ModuleDecl, ScopeSpec};
use impetus_runtime::{Module, ModuleContext, ModuleSpec, Registrar};

/// The module, as listed in the binary's built-in list.
pub static MODULE: ModuleSpec = ModuleSpec {
    decl: ModuleDecl {
        name: "dkim_sign",
        singleton: false,
        depends: &[],
        scopes: &[ScopeSpec {
            name: "dk_domain",
            parents: &["dkim_sign"],
            instance: InstanceRule::Required,
            provided_by: Some("dkim_sign"),
            doc: "Accepted for compatibility; ignored.",
        }],
        options: &[],
        doc: "Accepted for compatibility with Momentum configurations; does nothing.",
    },
    protocols: &[],
    configure,
};

struct DkimSign;

impl Module for DkimSign {}

fn configure(
    context: &ModuleContext<'_>,
    _: &mut Registrar,
) -> Result<Arc<dyn Module>, Vec<Diagnostic>> {
    tracing::info!(
        instance = context.instance,
        "dkim_sign is accepted for compatibility and ignored (no DKIM signing happens)"
    );
    Ok(Arc::new(DkimSign))
}
