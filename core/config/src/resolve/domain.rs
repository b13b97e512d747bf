//! Domain resolution: `Domain "#xmpp#name" → Domain "name" → regex Domains → global`.

use crate::ast::ScopeNode;
use crate::resolve::{Config, Resolved};
use crate::types::RegexValue;
use crate::validate::is_regex_domain;

/// The protocol prefix XMPP domains use in `Domain` stanzas (multi-protocol naming).
pub const XMPP_PREFIX: &str = "#xmpp#";

/// A domain's display name: `#proto#rest` shows as `rest`, anything else as itself.
pub fn display_name(instance: &str) -> &str {
    instance
        .strip_prefix('#')
        .and_then(|rest| rest.split_once('#'))
        .map_or(instance, |(_, name)| name)
}

impl Config {
    /// Options of domain `name` (bare, or with a `#proto#` prefix).
    pub fn domain(&self, name: &str) -> Resolved<'_> {
        let bare = display_name(name);
        let prefixed = if name.starts_with('#') {
            name.to_string()
        } else {
            format!("{XMPP_PREFIX}{name}")
        };
        let named = |n: &str| {
            self.scopes("domain").find(move |d| {
                d.instance
                    .as_deref()
                    .is_some_and(|i| i.eq_ignore_ascii_case(n))
            })
        };
        let mut chain: Vec<&ScopeNode> = Vec::new();
        chain.extend(named(&prefixed));
        chain.extend(named(bare));
        chain.extend(self.scopes("domain").filter(|d| {
            d.instance
                .as_deref()
                .filter(|i| is_regex_domain(i))
                .and_then(|i| RegexValue::new(i).ok())
                .is_some_and(|re| re.is_match(bare))
        }));
        chain.push(self.root());
        Resolved::new(chain, self.schema())
    }

    /// Every top-level `Domain` with its display name (`#xmpp#example.com` → `example.com`).
    pub fn domains(&self) -> Vec<(&str, &ScopeNode)> {
        self.scopes("domain")
            .filter_map(|d| Some((display_name(d.instance.as_deref()?), d)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_str;
    use crate::schema::Schema;
    use std::sync::Arc;

    fn config(src: &str) -> Config {
        let (t, d) = parse_str(src, "t.conf");
        assert!(d.is_empty(), "{d:?}");
        Config::new(t, Arc::new(Schema::default()))
    }

    fn labels(r: &Resolved<'_>) -> Vec<String> {
        r.chain().iter().map(|n| n.label()).collect()
    }

    #[test]
    fn display_names_strip_the_protocol() {
        assert_eq!(display_name("#xmpp#example.com"), "example.com");
        assert_eq!(display_name("#smpp#txt#air2web"), "txt#air2web");
        assert_eq!(display_name("example.com"), "example.com");
        assert_eq!(display_name("#odd"), "#odd");
    }

    #[test]
    fn chain_order_prefixed_plain_regex_global() {
        let c = config(
            "Domain \"/^other/\" {}\nDomain \"/example[.]com$/\" {}\nDomain \"example.com\" {}\n\
             Domain \"#xmpp#Example.com\" {}\nDomain \"/(/\" {}\nDomain \"/.*/\" {}",
        );
        assert_eq!(
            labels(&c.domain("example.com")),
            vec![
                "Domain \"#xmpp#Example.com\"",
                "Domain \"example.com\"",
                "Domain \"/example[.]com$/\"",
                "Domain \"/.*/\"",
                "global"
            ]
        );
        assert_eq!(
            labels(&c.domain("#xmpp#example.com"))[..2],
            ["Domain \"#xmpp#Example.com\"", "Domain \"example.com\""]
        );
        assert_eq!(
            labels(&c.domain("nowhere.org")),
            vec!["Domain \"/.*/\"", "global"]
        );
    }

    #[test]
    fn domains_lists_display_names() {
        let c = config("Domain \"#xmpp#a.example\" {}\nDomain b.example {}\nxmpp {}");
        let names: Vec<&str> = c.domains().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["a.example", "b.example"]);
    }
}
