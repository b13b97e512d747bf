//! Who we federate with and how (spec §5.2, §5.3, §9.3), read from the generation's `Domain`
//! scopes (`#xmpp#name`, then `name`, then regex domains, then global): whether a remote domain
//! gets s2s at all, its static route, its TLS and certificate requirements, and the dialback
//! secret of a hosted domain.

use std::path::PathBuf;

use impetus_config::Config;

use super::options::{S2sDomainOptions, TlsMode, TlsVerify};
use super::resolve::{Target, parse_route};
use crate::options::DomainOptions;

/// How s2s with one remote domain is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePolicy {
    /// Whether s2s with the domain is allowed at all.
    pub federates: bool,
    /// A static route replacing DNS.
    pub route: Option<Target>,
    /// TLS requirement.
    pub tls: TlsMode,
    /// Certificate requirement.
    pub verify: TlsVerify,
    /// The CA bundle its certificates must chain to (`None`: the system bundle).
    pub ca: Option<PathBuf>,
}

/// The policy for `domain`. `allow_unlisted` is `s2s_allow_unlisted_domains`: whether a domain
/// without `XMPP_Role` federates. Values were validated with the configuration; a value that
/// still fails to read makes the domain unreachable (and is reported).
pub fn remote(config: &Config, domain: &str, allow_unlisted: bool) -> Result<RemotePolicy, String> {
    let resolved = config.domain(domain);
    let role = DomainOptions::read(&resolved)
        .map_err(|d| d.to_string())?
        .xmpp_role;
    let options = S2sDomainOptions::read(&resolved).map_err(|d| d.to_string())?;
    let federates = match role.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("client") => true,
        None => allow_unlisted,
        // `server`: hosted here, never remote.
        Some(_) => false,
    };
    let route = options.xmpp_route.as_deref().map(parse_route).transpose()?;
    Ok(RemotePolicy {
        federates,
        route,
        tls: options.tls,
        verify: options.tls_verify,
        ca: options.tls_ca,
    })
}

/// The dialback secret for streams between hosted `local` and `remote`: `local`'s
/// `XMPP_Dialback_Secret`, else the one set on `remote`'s Domain stanza (Momentum's example
/// sets it on the `client` domain), else the process's random secret (XEP-0185 §2 note 3).
pub fn secret(config: &Config, local: &str, remote: &str, fallback: &str) -> String {
    [local, remote]
        .into_iter()
        .find_map(|domain| {
            DomainOptions::read(&config.domain(domain))
                .ok()
                .and_then(|o| o.xmpp_dialback_secret)
        })
        .unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_runtime::Registry;

    fn config(text: &str) -> Config {
        let schema = Registry::new(vec![&crate::MODULE]).schema(&[]);
        let (tree, diagnostics) = impetus_config::parse_str(text, "t.conf");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let (config, diagnostics) = impetus_config::validate(tree, &schema);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        config
    }

    const CONF: &str = r##"xmpp {}
Domain "a.example" { XMPP_Role = "server" XMPP_Dialback_Secret = "a-secret" }
Domain "#xmpp#b.example" { XMPP_Role = "client" xmpp_route = "127.0.0.1:5270" tls_verify = "ca" tls_ca = "/ca.pem" }
Domain "c.example" { XMPP_Role = "client" XMPP_Dialback_Secret = "c-secret" tls = "ifavailable" }
Domain "#smpp#d.example" { XMPP_Role = "client" }
Domain "/.*\.wild$/" { XMPP_Role = "client" tls_verify = "no" }
"##;

    #[test]
    fn roles_routes_and_strict_defaults() {
        let config = config(CONF);
        let b = remote(&config, "b.example", false).expect("policy");
        assert!(b.federates);
        assert_eq!(
            b.route.map(|t| (t.host, t.port)),
            Some(("127.0.0.1".into(), 5270))
        );
        assert_eq!((b.tls, b.verify), (TlsMode::Required, TlsVerify::Ca));
        assert_eq!(b.ca, Some(PathBuf::from("/ca.pem")));
        let c = remote(&config, "c.example", false).expect("policy");
        assert_eq!(
            (c.tls, c.verify, c.route),
            (TlsMode::IfAvailable, TlsVerify::Host, None)
        );
        assert!(remote(&config, "x.wild", false).expect("policy").federates);
        // Hosted domains are never remote; other protocols' domains say nothing about XMPP.
        assert!(
            !remote(&config, "a.example", true)
                .expect("policy")
                .federates
        );
        assert!(
            !remote(&config, "d.example", false)
                .expect("policy")
                .federates
        );
        assert!(
            !remote(&config, "unlisted.example", false)
                .expect("policy")
                .federates
        );
        assert!(
            remote(&config, "unlisted.example", true)
                .expect("policy")
                .federates
        );
    }

    #[test]
    fn secrets_of_the_local_domain_then_the_remote_then_the_process() {
        let config = config(CONF);
        assert_eq!(
            secret(&config, "a.example", "c.example", "random"),
            "a-secret"
        );
        assert_eq!(
            secret(&config, "x.example", "c.example", "random"),
            "c-secret"
        );
        assert_eq!(
            secret(&config, "x.example", "b.example", "random"),
            "random"
        );
    }
}
