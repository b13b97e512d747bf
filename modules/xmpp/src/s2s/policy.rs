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
