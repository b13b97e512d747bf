//! Instance names with meaning: `Listen` addresses, `Peer` CIDRs, regex `Domain`s, and
//! duplicate `Listen` sockets.

use crate::ast::{ScopeNode, Value, ValueNode};
use crate::diag::Diagnostic;
use crate::types::{FromValue, ListenAddr, PeerCidr, RegexValue, ValueType};
use crate::validate::Validator;

/// True for `Domain "/regex/"` instance names.
pub(crate) fn is_regex_domain(instance: &str) -> bool {
    instance.len() >= 2 && instance.starts_with('/') && instance.ends_with('/')
}

/// The type an instance name of scope kind `kind` must have, if it has one.
fn instance_type(node: &ScopeNode) -> Option<ValueType> {
    let inst = node.instance.as_deref()?;
    let kind = &node.kind;
    if kind.eq_ignore_case("listen") {
        Some(ListenAddr::VALUE_TYPE)
    } else if kind.eq_ignore_case("peer") {
        Some(PeerCidr::VALUE_TYPE)
    } else if kind.eq_ignore_case("domain") && is_regex_domain(inst) {
        Some(RegexValue::VALUE_TYPE)
    } else {
        None
    }
}

impl Validator<'_> {
    /// Checks the instance name of a `Listen`, `Peer` or regex `Domain` scope, and that no
    /// two `Listen` scopes (in any listener) bind the same address.
    pub(super) fn check_instance(&mut self, node: &ScopeNode) {
        let (Some(ty), Some(inst)) = (instance_type(node), &node.instance) else {
            return;
        };
        let v = ValueNode {
            value: Value::Scalar {
                text: inst.clone(),
                quoted: true,
            },
            location: node.location.clone(),
        };
        if let Err(m) = ty.check(&v) {
            self.diags.push(Diagnostic::error(
                node.location.clone(),
                format!("invalid instance name for '{}': {m}", node.kind),
            ));
        } else if ty == ListenAddr::VALUE_TYPE
            && let Ok(addr) = inst.parse::<ListenAddr>()
        {
            self.check_duplicate(node, inst, &addr);
        }
    }

    fn check_duplicate(&mut self, node: &ScopeNode, inst: &str, addr: &ListenAddr) {
        match self.listens.get(&addr.key()) {
            Some(first) => self.diags.push(Diagnostic::error(
                node.location.clone(),
                format!("{} '{inst}' duplicates the one at {first}", node.kind),
            )),
            None => {
                self.listens.insert(addr.key(), node.location.clone());
            }
        }
    }
}
