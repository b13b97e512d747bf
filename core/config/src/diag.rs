//! Diagnostics: every problem the config crate finds, with a `FILE:LINE:COL` location.

use std::fmt;
use std::sync::Arc;

/// A 1-based position in a config file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file as it was named (relative paths stay relative).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

impl Location {
    /// Builds a location.
    pub fn new(file: Arc<str>, line: u32, col: u32) -> Self {
        Location { file, line, col }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The configuration is invalid.
    Error,
    /// The configuration works but is probably not what was meant.
    Warning,
}

/// One problem found while parsing, validating or resolving a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the problem is, when it has a place in a file.
    pub location: Option<Location>,
    /// What is wrong, in admin-facing words.
    pub message: String,
}

impl Diagnostic {
    /// An error, optionally located.
    pub fn error(location: impl Into<Option<Location>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location: location.into(),
            message: message.into(),
        }
    }

    /// A warning, optionally located.
    pub fn warning(location: impl Into<Option<Location>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location: location.into(),
            message: message.into(),
        }
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc() -> Location {
        Location::new("etc/x.conf".into(), 4, 1)
    }

    #[test]
    fn error_display_has_location_prefix() {
        let d = Diagnostic::error(loc(), "expected '}'");
        assert_eq!(d.to_string(), "etc/x.conf:4:1: expected '}'");
        assert!(d.is_error());
    }

    #[test]
    fn warning_display_says_warning() {
        let d = Diagnostic::warning(loc(), "odd");
        assert_eq!(d.to_string(), "etc/x.conf:4:1: warning: odd");
        assert!(!d.is_error());
    }

    #[test]
    fn unlocated_display_is_just_the_message() {
        let d = Diagnostic::error(None, "no configuration found");
        assert_eq!(d.to_string(), "no configuration found");
    }
}
