//! Listener resolution: `Listen::Peer → Listen → listener::Peer → listener → global → default`,
//! with the most specific matching `Peer` CIDR at each level.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ast::ScopeNode;
use crate::resolve::{Config, Resolved};
use crate::types::{ListenAddr, PeerCidr};

/// A listener scope (`xmpp_listener`, …) of a configuration.
#[derive(Debug, Clone, Copy)]
pub struct ListenerView<'a> {
    config: &'a Config,
    node: &'a ScopeNode,
}

/// One `Listen` of a listener.
#[derive(Debug, Clone)]
pub struct ListenView<'a> {
    /// The parsed address.
    pub addr: ListenAddr,
    /// The `Listen` scope.
    pub node: &'a ScopeNode,
    listener: &'a ScopeNode,
    config: &'a Config,
}

impl<'a> ListenerView<'a> {
    pub(crate) fn new(config: &'a Config, node: &'a ScopeNode) -> Self {
        ListenerView { config, node }
    }

    /// The listener scope.
    pub fn node(&self) -> &'a ScopeNode {
        self.node
    }

    /// The `Listen` scopes with a valid address, in file order.
    pub fn listens(&self) -> Vec<ListenView<'a>> {
        self.node
            .children_of_kind("listen")
            .filter_map(|node| {
                let addr = node.instance.as_deref()?.parse().ok()?;
                Some(ListenView {
                    addr,
                    node,
                    listener: self.node,
                    config: self.config,
                })
            })
            .collect()
    }

    /// Listener-wide options: listener → global → default.
    pub fn resolve_listener(&self) -> Resolved<'a> {
        Resolved::new(vec![self.node, self.config.root()], self.config.schema())
    }
}

impl<'a> ListenView<'a> {
    /// Options for a connection from `peer` (`None` for a Unix socket, matched as loopback):
    /// `Listen::Peer → Listen → listener::Peer → listener → global → default`.
    pub fn resolve(&self, peer: Option<IpAddr>) -> Resolved<'a> {
        let mut chain = Vec::with_capacity(5);
        chain.extend(best_peer(self.node, peer));
        chain.push(self.node);
        chain.extend(best_peer(self.listener, peer));
        chain.extend([self.listener, self.config.root()]);
        Resolved::new(chain, self.config.schema())
    }

    /// Socket-wide options (backlog, buffers, …): `Listen → listener → global → default`.
    pub fn resolve_listen(&self) -> Resolved<'a> {
        Resolved::new(
            vec![self.node, self.listener, self.config.root()],
            self.config.schema(),
        )
    }
}

/// The `Peer` child of `scope` with the longest prefix containing `peer`; ties go to the
/// first in file order.
fn best_peer(scope: &ScopeNode, peer: Option<IpAddr>) -> Option<&ScopeNode> {
    let loopback = [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    let candidates: &[IpAddr] = match &peer {
        Some(ip) => std::slice::from_ref(ip),
        None => &loopback,
    };
    let mut best: Option<(u8, &ScopeNode)> = None;
    for node in scope.children_of_kind("peer") {
        let Some(cidr) = node
            .instance
            .as_deref()
            .and_then(|i| i.parse::<PeerCidr>().ok())
        else {
            continue;
        };
        let len = cidr.prefix_len();
        if candidates.iter().any(|ip| cidr.contains(*ip)) && best.is_none_or(|(b, _)| len > b) {
            best = Some((len, node));
        }
    }
    best.map(|(_, node)| node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_str;

    fn tree(src: &str) -> ScopeNode {
        let (t, d) = parse_str(src, "t.conf");
        assert!(d.is_empty(), "{d:?}");
        t
    }

    fn instance(n: Option<&ScopeNode>) -> Option<&str> {
        n.and_then(|n| n.instance.as_deref())
    }

    #[test]
    fn longest_prefix_wins_and_ties_go_first() {
        let t = tree(
            "Peer \"10.0.0.0/8\" {}\nPeer \"10.0.0.0/16\" {}\nPeer \"10.0.0.0/16\" {}\n\
             Peer 10.0.0.1 {}\nPeer \"2001:db8::/32\" {}\nPeer bogus {}",
        );
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        assert_eq!(instance(best_peer(&t, ip("10.0.0.1"))), Some("10.0.0.1"));
        assert_eq!(instance(best_peer(&t, ip("10.0.9.9"))), Some("10.0.0.0/16"));
        assert_eq!(instance(best_peer(&t, ip("10.9.9.9"))), Some("10.0.0.0/8"));
        assert_eq!(
            instance(best_peer(&t, ip("::ffff:10.0.0.1"))),
            Some("10.0.0.1")
        );
        assert_eq!(
            instance(best_peer(&t, ip("2001:db8::5"))),
            Some("2001:db8::/32")
        );
        assert_eq!(instance(best_peer(&t, ip("192.0.2.1"))), None);
    }

    #[test]
    fn unix_sockets_match_loopback_in_either_family() {
        let v4 = tree("Peer \"127.0.0.0/8\" {}\nPeer \"0.0.0.0/0\" {}");
        assert_eq!(instance(best_peer(&v4, None)), Some("127.0.0.0/8"));
        let v6 = tree("Peer \"::1\" {}\nPeer \"127.0.0.0/8\" {}");
        assert_eq!(instance(best_peer(&v6, None)), Some("::1"));
        let none = tree("Peer \"10.0.0.0/8\" {}");
        assert_eq!(instance(best_peer(&none, None)), None);
    }
}
