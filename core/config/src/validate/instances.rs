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

#[cfg(test)]
mod tests {
    use super::is_regex_domain;
    use crate::testkit::check;

    #[test]
    fn listen_peer_and_regex_domain_instances_are_typed() {
        assert_eq!(
            check(
                "srv {}\nlst { Listen \"localhost:1\" {} Peer \"10.0.0.0/40\" {} }\ndomain \"/(/\" {}\ndomain \"/ok/\" {}"
            ),
            vec![
                "t.conf:2:7: invalid instance name for 'Listen': expected a listen address (*:PORT, :PORT, [*]:PORT, IPv4:PORT, [IPv6]:PORT or /unix/path), got 'localhost:1'",
                "t.conf:2:31: invalid instance name for 'Peer': expected an IP address or CIDR block (e.g. 10.0.0.0/8), got '10.0.0.0/40'",
                "t.conf:3:1: invalid instance name for 'domain': expected a regular expression, got '/(/' (unclosed group)",
            ]
        );
    }

    #[test]
    fn duplicate_listens_by_canonical_key() {
        assert_eq!(
            check(
                "srv {}\nlst {\n Listen \"*:1\" {}\n Listen \"0.0.0.0:1\" {}\n Listen \"/tmp//s\" {}\n Listen \"/tmp/s\" {}\n Listen \"[*]:1\" {}\n}"
            ),
            vec![
                "t.conf:4:2: Listen '0.0.0.0:1' duplicates the one at t.conf:3:2",
                "t.conf:6:2: Listen '/tmp/s' duplicates the one at t.conf:5:2",
            ]
        );
    }

    #[test]
    fn regex_domain_form() {
        assert!(is_regex_domain("/x/"));
        assert!(is_regex_domain("//"));
        assert!(!is_regex_domain("/"));
        assert!(!is_regex_domain("example.com"));
    }
}
