//! Network values: `Listen` addresses and `Peer` CIDR blocks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ipnet::IpNet;

use crate::ast::ValueNode;
use crate::types::{FromValue, ValueType, from_scalar};

/// A string that is not a valid value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, got '{got}'")]
pub struct ParseValueError {
    /// The type that was expected.
    pub expected: ValueType,
    /// The text that was given.
    pub got: String,
}

/// Where a `Listen` scope binds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListenAddr {
    /// A specific IPv4 or IPv6 address and port.
    Inet(SocketAddr),
    /// The IPv4 wildcard (`*:PORT`, `:PORT`, `0.0.0.0:PORT`).
    AnyV4(u16),
    /// The IPv6 wildcard (`[*]:PORT`, `[::]:PORT`).
    AnyV6(u16),
    /// A Unix-domain socket path (`/path/sock`).
    Unix(PathBuf),
}

impl ListenAddr {
    fn parse(s: &str) -> Option<Self> {
        if s.starts_with('/') {
            return Some(ListenAddr::Unix(PathBuf::from(s)));
        }
        let (host, port) = s.rsplit_once(':')?;
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let port: u16 = port.parse().ok()?;
        if host.is_empty() || host == "*" {
            return Some(ListenAddr::AnyV4(port));
        }
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            if inner == "*" {
                return Some(ListenAddr::AnyV6(port));
            }
            let ip: Ipv6Addr = inner.parse().ok()?;
            return Some(if ip.is_unspecified() {
                ListenAddr::AnyV6(port)
            } else {
                ListenAddr::Inet(SocketAddr::new(IpAddr::V6(ip), port))
            });
        }
        let ip: Ipv4Addr = host.parse().ok()?;
        Some(if ip.is_unspecified() {
            ListenAddr::AnyV4(port)
        } else {
            ListenAddr::Inet(SocketAddr::new(IpAddr::V4(ip), port))
        })
    }

    /// The socket address to bind, `None` for Unix sockets.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            ListenAddr::Inet(a) => Some(*a),
            ListenAddr::AnyV4(p) => Some(SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), *p)),
            ListenAddr::AnyV6(p) => Some(SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), *p)),
            ListenAddr::Unix(_) => None,
        }
    }

    /// A canonical key: two `Listen` scopes with the same key would bind the same socket.
    pub fn key(&self) -> String {
        match self {
            ListenAddr::Unix(p) => {
                let clean: PathBuf = p.components().collect();
                format!("unix:{}", clean.display())
            }
            other => other.to_string(),
        }
    }

    /// The Unix socket path, if this is one.
    pub fn unix_path(&self) -> Option<&Path> {
        match self {
            ListenAddr::Unix(p) => Some(p),
            _ => None,
        }
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Inet(a) => write!(f, "{a}"),
            ListenAddr::AnyV4(p) => write!(f, "*:{p}"),
            ListenAddr::AnyV6(p) => write!(f, "[*]:{p}"),
            ListenAddr::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

impl FromStr for ListenAddr {
    type Err = ParseValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListenAddr::parse(s).ok_or_else(|| ParseValueError {
            expected: Self::VALUE_TYPE,
            got: s.to_string(),
        })
    }
}

impl FromValue for ListenAddr {
    const VALUE_TYPE: ValueType = ValueType::SockAddr;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, ListenAddr::parse)
    }
}

/// A `Peer` ACL block: an IP network (a bare address is a /32 or /128; no brackets for IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerCidr(pub IpNet);

impl PeerCidr {
    fn parse(s: &str) -> Option<Self> {
        let net = if s.contains('/') {
            s.parse::<IpNet>().ok()?
        } else {
            IpNet::from(s.parse::<IpAddr>().ok()?)
        };
        Some(PeerCidr(net.trunc()))
    }

    /// True when `ip` is inside the block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }

    /// The prefix length; longer is more specific.
    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }
}

impl fmt::Display for PeerCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for PeerCidr {
    type Err = ParseValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PeerCidr::parse(s).ok_or_else(|| ParseValueError {
            expected: Self::VALUE_TYPE,
            got: s.to_string(),
        })
    }
}

impl FromValue for PeerCidr {
    const VALUE_TYPE: ValueType = ValueType::Cidr;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, PeerCidr::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn la(s: &str) -> Result<ListenAddr, ParseValueError> {
        s.parse()
    }

    #[test]
    fn listen_address_forms() {
        assert_eq!(la("*:5222"), Ok(ListenAddr::AnyV4(5222)));
        assert_eq!(la(":5222"), Ok(ListenAddr::AnyV4(5222)));
        assert_eq!(la("0.0.0.0:5222"), Ok(ListenAddr::AnyV4(5222)));
        assert_eq!(la("[*]:5222"), Ok(ListenAddr::AnyV6(5222)));
        assert_eq!(la("[::]:5222"), Ok(ListenAddr::AnyV6(5222)));
        let v4 = la("1.2.3.4:5222").expect("v4");
        assert_eq!(v4.to_string(), "1.2.3.4:5222");
        assert_eq!(v4.socket_addr(), Some("1.2.3.4:5222".parse().expect("sa")));
        assert_eq!(
            la("[::1]:5222").map(|a| a.to_string()),
            Ok("[::1]:5222".into())
        );
        assert_eq!(
            la("[2001:DB8::1]:5222").map(|a| a.to_string()),
            Ok("[2001:db8::1]:5222".into())
        );
        let unix = la("/tmp/x.sock").expect("unix");
        assert_eq!(unix.unix_path(), Some(Path::new("/tmp/x.sock")));
        assert_eq!(unix.socket_addr(), None);
        assert_eq!(
            ListenAddr::AnyV6(1).socket_addr(),
            Some("[::]:1".parse().expect("sa"))
        );
    }

    #[test]
    fn listen_address_rejects_names_and_bad_ports() {
        for bad in [
            "localhost:5222",
            "::1:5222",
            "1.2.3.4",
            "1.2.3.4:99999",
            "*:",
            "[::1:5",
            "x",
        ] {
            let e = la(bad).expect_err(bad);
            assert_eq!(e.got, bad);
            assert!(
                e.to_string().starts_with("expected a listen address"),
                "{e}"
            );
        }
    }

    #[test]
    fn keys_detect_equivalent_spellings() {
        let k = |s: &str| la(s).map(|a| a.key()).expect(s);
        assert_eq!(k("*:5222"), k(":5222"));
        assert_eq!(k("[*]:5222"), k("[::]:5222"));
        assert_ne!(k("*:5222"), k("[*]:5222"));
        assert_eq!(k("[2001:db8::1]:1"), k("[2001:DB8:0::1]:1"));
        assert_eq!(k("/tmp//x"), k("/tmp/./x"));
        assert_eq!(k("/tmp/x"), "unix:/tmp/x");
    }

    #[test]
    fn peer_cidrs() {
        let p: PeerCidr = "10.0.0.0/16".parse().expect("cidr");
        assert!(p.contains("10.0.3.4".parse().expect("ip")));
        assert!(p.contains("::ffff:10.0.0.9".parse().expect("mapped")));
        assert!(!p.contains("10.1.0.1".parse().expect("ip")));
        let host: PeerCidr = "10.0.0.1".parse().expect("host");
        assert_eq!(host.prefix_len(), 32);
        let v6: PeerCidr = "::1".parse().expect("v6");
        assert_eq!(v6.to_string(), "::1/128");
        let trunc: PeerCidr = "192.0.2.7/24".parse().expect("trunc");
        assert_eq!(trunc.to_string(), "192.0.2.0/24");
        assert!("[::1]".parse::<PeerCidr>().is_err());
        assert!("10.0.0.0/33".parse::<PeerCidr>().is_err());
        assert!("example.com".parse::<PeerCidr>().is_err());
    }
}
