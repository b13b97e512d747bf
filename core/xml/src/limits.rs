//! Resource limits the stream reader enforces while scanning and parsing.

/// Limits applied to every stream header and stanza. Exceeding one is a
/// [`crate::XmlError::PolicyViolation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size in bytes of one top-level element (stanza), and of the stream header tag.
    /// Checked while scanning, so an unterminated element never buffers more than this.
    pub max_stanza_bytes: usize,
    /// Maximum element nesting inside a stanza; the stanza element itself is depth 1.
    pub max_depth: usize,
    /// Maximum number of attributes (namespace declarations included) on one element.
    pub max_attrs: usize,
    /// Maximum number of namespace declarations in scope at once inside one stanza
    /// (bindings inherited from the stream header not counted).
    pub max_ns_bindings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stanza_bytes: 262_144,
            max_depth: 64,
            max_attrs: 64,
            max_ns_bindings: 64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_spec() {
        let l = Limits::default();
        assert_eq!(l.max_stanza_bytes, 262_144);
        assert_eq!(l.max_depth, 64);
        assert_eq!(l.max_attrs, 64);
        assert_eq!(l.max_ns_bindings, 64);
    }
}
