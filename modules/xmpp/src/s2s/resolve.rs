//! Where to connect for a remote domain (RFC 6120 §3.2, XEP-0368): a static `xmpp_route`, or
//! the `_xmpps-server._tcp` (direct TLS) and `_xmpp-server._tcp` SRV records merged in RFC 2782
//! order (priority, then weighted random), or the domain's own A/AAAA records on port 5269.
//! Lookups go to the configured name servers (`s2s_nameservers`), else the system's.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use rand::Rng;

/// The default s2s port (RFC 6120 §14.7).
pub const DEFAULT_PORT: u16 = 5269;

/// One place to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// TLS from the first byte (XEP-0368) instead of STARTTLS.
    pub direct_tls: bool,
}

/// Why no target could be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The domain or host does not exist, has no records, or offers no s2s service.
    #[error("{0}")]
    NotFound(String),
    /// The name servers did not answer in time.
    #[error("{0}")]
    Timeout(String),
}

/// Parses an `xmpp_route`: "host:port", "[v6]:port" or "xmpps://host:port".
pub fn parse_route(text: &str) -> Result<Target, String> {
    let (direct_tls, rest) = match text.strip_prefix("xmpps://") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix("xmpp://").unwrap_or(text)),
    };
    let bad =
        || format!("invalid route '{text}': expected host:port, [ipv6]:port or xmpps://host:port");
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok(Target {
        host: host.to_ascii_lowercase(),
        port,
        direct_tls,
    })
}

/// Parses an `s2s_nameservers` entry: "ip" (port 53) or "ip:port" / "[v6]:port".
pub fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse::<SocketAddr>()
        .map_err(|_| format!("invalid name server '{text}': expected ip or ip:port"))
}

/// One SRV record, as RFC 2782 orders them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative chance within a priority.
    pub weight: u16,
    /// The target host, without the trailing dot ("" for ".").
    pub target: String,
    /// The port.
    pub port: u16,
    /// From `_xmpps-server._tcp`.
    pub direct_tls: bool,
}

/// RFC 2782 §"Usage rules": ascending priority; within a priority, repeated weighted random
/// selection in which weight-0 records come first in the running sum.
pub fn order(mut records: Vec<SrvRecord>, rng: &mut impl Rng) -> Vec<Target> {
    records.sort_by_key(|r| (r.priority, r.weight != 0));
    let mut ordered = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let split = rest
            .iter()
            .position(|r| r.priority != first.priority)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(split);
        let mut group = group.to_vec();
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = rng.random_range(0..=total);
            let mut running = 0u32;
            let index = group
                .iter()
                .position(|r| {
                    running += u32::from(r.weight);
                    running >= pick
                })
                .unwrap_or(0);
            let chosen = group.remove(index);
            ordered.push(Target {
                host: chosen.target,
                port: chosen.port,
                direct_tls: chosen.direct_tls,
            });
        }
        rest = tail;
    }
    ordered
}

/// The DNS side of outgoing s2s, built on first use.
pub struct Resolver {
    nameservers: Vec<SocketAddr>,
    resolver: OnceLock<Result<TokioResolver, String>>,
}

impl Resolver {
    /// A resolver asking `nameservers` (the system's configuration when empty).
    pub fn new(nameservers: Vec<SocketAddr>) -> Self {
        Resolver {
            nameservers,
            resolver: OnceLock::new(),
        }
    }

    fn resolver(&self) -> Result<&TokioResolver, ResolveError> {
        self.resolver
            .get_or_init(|| build(&self.nameservers))
            .as_ref()
            .map_err(|e| ResolveError::NotFound(format!("no DNS resolver: {e}")))
    }

    /// The targets for `domain`, best first: SRV records, or the domain itself on 5269.
    pub async fn targets(&self, domain: &str) -> Result<Vec<Target>, ResolveError> {
        let mut records = self
            .srv(&format!("_xmpps-server._tcp.{domain}."), true)
            .await?;
        records.extend(
            self.srv(&format!("_xmpp-server._tcp.{domain}."), false)
                .await?,
        );
        if records.is_empty() {
            return Ok(vec![Target {
                host: domain.to_owned(),
                port: DEFAULT_PORT,
                direct_tls: false,
            }]);
        }
        records.retain(|r| !r.target.is_empty());
        if records.is_empty() {
            return Err(ResolveError::NotFound(format!(
                "{domain} offers no server-to-server service (SRV target \".\")"
            )));
        }
        Ok(order(records, &mut rand::rng()))
    }

    async fn srv(&self, name: &str, direct_tls: bool) -> Result<Vec<SrvRecord>, ResolveError> {
        match self.resolver()?.srv_lookup(name).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::SRV(srv) => Some(SrvRecord {
                        priority: srv.priority,
                        weight: srv.weight,
                        target: srv
                            .target
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                        port: srv.port,
                        direct_tls,
                    }),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() => Ok(Vec::new()),
            Err(e) => Err(failure(name, &e)),
        }
    }

    /// The socket addresses of `host` (an IP literal is used as is).
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        match self.resolver()?.lookup_ip(format!("{host}.")).await {
            Ok(lookup) => Ok(lookup.iter().map(|ip| SocketAddr::new(ip, port)).collect()),
            Err(e) if e.is_no_records_found() => {
                Err(ResolveError::NotFound(format!("{host} has no address")))
            }
            Err(e) => Err(failure(host, &e)),
        }
    }
}

fn failure(name: &str, error: &NetError) -> ResolveError {
    match error {
        NetError::Timeout => ResolveError::Timeout(format!("DNS lookup of {name} timed out")),
        other => ResolveError::NotFound(format!("DNS lookup of {name} failed: {other}")),
    }
}

fn build(nameservers: &[SocketAddr]) -> Result<TokioResolver, String> {
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_secs(5);
    options.attempts = 2;
    let builder = if nameservers.is_empty() {
        TokioResolver::builder_tokio().map_err(|e| e.to_string())?
    } else {
        let servers = nameservers
            .iter()
            .map(|address| {
                let mut server = NameServerConfig::udp_and_tcp(address.ip());
                for connection in &mut server.connections {
                    connection.port = address.port();
                }
                server
            })
            .collect();
        TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
    };
    builder
        .with_options(options)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn record(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            target: target.into(),
            port: 5269,
            direct_tls: false,
        }
    }

    #[test]
    fn priorities_first_then_weights() {
        let records = vec![
            record(20, 0, "backup"),
            record(10, 1, "light"),
            record(10, 0, "zero"),
            record(10, 60, "heavy"),
        ];
        let mut heavy_first = 0;
        for seed in 0..200 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let hosts: Vec<String> = order(records.clone(), &mut rng)
                .into_iter()
                .map(|t| t.host)
                .collect();
            assert_eq!(hosts.len(), 4);
            assert_eq!(hosts[3], "backup", "{hosts:?}");
            heavy_first += usize::from(hosts[0] == "heavy");
        }
        // heavy holds 60 of 61 weight units in its group: it comes first nearly always.
        assert!(heavy_first > 170, "{heavy_first}");
    }

    #[test]
    fn routes_and_name_servers_parse() {
        assert_eq!(
            parse_route("127.0.0.1:5270"),
            Ok(Target {
                host: "127.0.0.1".into(),
                port: 5270,
                direct_tls: false
            })
        );
        assert_eq!(
            parse_route("xmpps://[::1]:5223"),
            Ok(Target {
                host: "::1".into(),
                port: 5223,
                direct_tls: true
            })
        );
        assert_eq!(
            parse_route("Xmpp.Example.net:5269").map(|t| t.host),
            Ok("xmpp.example.net".into())
        );
        assert!(parse_route("example.net").is_err());
        assert!(parse_route(":5269").is_err());
        assert!(parse_route("h:0").is_err());
        assert_eq!(
            parse_nameserver("127.0.0.1"),
            Ok("127.0.0.1:53".parse().expect("addr"))
        );
        assert_eq!(
            parse_nameserver("[::1]:5353"),
            Ok("[::1]:5353".parse().expect("addr"))
        );
        assert!(parse_nameserver("localhost").is_err());
    }
}
