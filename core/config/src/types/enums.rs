//! Word-valued options: the `config_enum!` macro and `DebugLevel`.

use crate::ast::ValueNode;

/// The index of `v`'s text in `words` (ASCII case-insensitive), if it is a scalar listed there.
pub fn word_index(words: &[&str], v: &ValueNode) -> Option<usize> {
    let text = v.value.as_scalar()?;
    words.iter().position(|w| w.eq_ignore_ascii_case(text))
}

/// Declares a string-enum option type: each variant is written as its word in the config
/// (any case), errors list the valid words, and variants are ordered as declared.
///
/// ```
/// impetus_config::config_enum! {
///     /// How to handle client certificates.
///     pub enum TlsVerifyMode { None = "none", Optional = "optional", Require = "require" }
/// }
/// assert_eq!(TlsVerifyMode::WORDS, &["none", "optional", "require"]);
/// assert_eq!(TlsVerifyMode::Require.to_string(), "require");
/// ```
///
/// A leading `@value_type EXPR;` overrides the `ValueType` (used by [`DebugLevel`]).
#[macro_export]
macro_rules! config_enum {
    (
        @value_type $vt:expr;
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $(
                #[doc = concat!("Written `", $word, "` in the configuration.")]
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// The configuration words, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The configuration word for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::types::FromValue for $name {
            const VALUE_TYPE: $crate::types::ValueType = $vt;

            fn from_value(v: &$crate::ast::ValueNode) -> ::std::result::Result<Self, String> {
                $crate::types::word_index(Self::WORDS, v)
                    .and_then(|i| [$($name::$variant),+].get(i).copied())
                    .ok_or_else(|| $crate::types::mismatch(&Self::VALUE_TYPE, v))
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($body:tt)* }
    ) => {
        $crate::config_enum! {
            @value_type $crate::types::ValueType::Enum($name::WORDS);
            $(#[$meta])*
            $vis enum $name { $($body)* }
        }
    };
}

config_enum! {
    @value_type crate::types::ValueType::DebugLevel;
    /// A module's `debug_level`: messages below it are not logged. `Debug < Critical`.
    pub enum DebugLevel {
        Debug = "DEBUG",
        Info = "INFO",
        Notice = "NOTICE",
        Warning = "WARNING",
        Error = "ERROR",
        Critical = "CRITICAL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;
    use crate::types::{FromValue, ValueType};

    config_enum! {
        /// Test enum.
        enum Mode { None = "none", Optional = "optional", Require = "require" }
    }

    fn conv<T: FromValue>(src: &str) -> Result<T, String> {
        T::from_value(&parse_value(src, "t").map_err(|d| d.to_string())?)
    }

    #[test]
    fn config_enum_parses_words_in_any_case() {
        assert_eq!(conv::<Mode>("REQUIRE"), Ok(Mode::Require));
        assert_eq!(conv::<Mode>("\"optional\""), Ok(Mode::Optional));
        assert_eq!(conv::<Mode>("none"), Ok(Mode::None));
        assert_eq!(
            conv::<Mode>("sometimes"),
            Err("expected one of: none, optional, require, got 'sometimes'".into())
        );
        assert_eq!(
            Mode::VALUE_TYPE,
            ValueType::Enum(&["none", "optional", "require"])
        );
        assert_eq!(Mode::Optional.to_string(), "optional");
    }

    #[test]
    fn debug_levels_are_ordered() {
        assert_eq!(conv::<DebugLevel>("notice"), Ok(DebugLevel::Notice));
        assert!(DebugLevel::Debug < DebugLevel::Critical);
        assert!(DebugLevel::Warning < DebugLevel::Error);
        assert_eq!(DebugLevel::VALUE_TYPE, ValueType::DebugLevel);
        assert_eq!(
            conv::<DebugLevel>("loud"),
            Err("expected a debug level (DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL), got 'loud'".into())
        );
        assert_eq!(DebugLevel::Info.as_str(), "INFO");
    }

    #[test]
    fn word_index_needs_a_scalar() {
        let v = parse_value("( none )", "t").expect("array");
        assert_eq!(word_index(&["none"], &v), None);
    }
}
