//! Typed option values: the `FromValue` trait, its helpers and the generic `Option`/`Vec` impls.

mod dict;
mod enums;
mod net;
mod regex;
mod scalar;
mod units;
mod value_type;

pub use dict::Dict;
pub use enums::{DebugLevel, word_index};
pub use net::{ListenAddr, ParseValueError, PeerCidr};
pub use regex::RegexValue;
pub use units::{Perms, Seconds, Size, Throttle};
pub use value_type::ValueType;

use crate::ast::ValueNode;

/// A Rust type an option value converts to.
pub trait FromValue: Sized {
    /// The type as validation and messages know it.
    const VALUE_TYPE: ValueType;

    /// Converts a value; the error is the message ("expected …, got …"), the caller adds the
    /// option name and location.
    fn from_value(v: &ValueNode) -> Result<Self, String>;

    /// The value when the option is neither set nor defaulted; `None` means it is required.
    fn absent() -> Option<Self> {
        None
    }
}

/// The standard "expected {type}, got {value}" message.
pub fn mismatch(ty: &ValueType, v: &ValueNode) -> String {
    format!("expected {ty}, got {}", v.value.describe())
}

/// Converts a scalar with `parse`, or fails with the type's mismatch message.
pub(crate) fn from_scalar<T: FromValue>(
    v: &ValueNode,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, String> {
    v.value
        .as_scalar()
        .and_then(parse)
        .ok_or_else(|| mismatch(&T::VALUE_TYPE, v))
}

/// True when `v` is the word `none` (any case, quoted or not).
pub fn is_none_word(v: &ValueNode) -> bool {
    v.value
        .as_scalar()
        .is_some_and(|t| t.eq_ignore_ascii_case("none"))
}

/// The elements of an array value; a lone scalar is a one-element array.
pub(crate) fn elements<'v>(ty: &ValueType, v: &'v ValueNode) -> Result<&'v [ValueNode], String> {
    match &v.value {
        crate::ast::Value::Array(items) => Ok(items),
        crate::ast::Value::Scalar { .. } => Ok(std::slice::from_ref(v)),
        crate::ast::Value::Dict(_) => Err(mismatch(ty, v)),
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const VALUE_TYPE: ValueType = ValueType::Optional(&T::VALUE_TYPE);

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        if is_none_word(v) {
            Ok(None)
        } else {
            T::from_value(v).map(Some)
        }
    }

    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    const VALUE_TYPE: ValueType = ValueType::Array(&T::VALUE_TYPE);

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        elements(&Self::VALUE_TYPE, v)?
            .iter()
            .map(T::from_value)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;

    fn conv<T: FromValue>(src: &str) -> Result<T, String> {
        T::from_value(&parse_value(src, "t").map_err(|d| d.to_string())?)
    }

    #[test]
    fn option_none_word_and_absent() {
        assert_eq!(conv::<Option<u32>>("none"), Ok(None));
        assert_eq!(conv::<Option<u32>>("\"None\""), Ok(None));
        assert_eq!(conv::<Option<u32>>("5"), Ok(Some(5)));
        assert_eq!(
            conv::<Option<u32>>("x"),
            Err("expected a non-negative integer, got 'x'".into())
        );
        assert_eq!(<Option<u32>>::absent(), Some(None));
        assert_eq!(u32::absent(), None);
    }

    #[test]
    fn vec_accepts_arrays_and_single_scalars() {
        assert_eq!(conv::<Vec<u32>>("( 1 2 3 )"), Ok(vec![1, 2, 3]));
        assert_eq!(conv::<Vec<u32>>("( )"), Ok(vec![]));
        assert_eq!(conv::<Vec<u32>>("4"), Ok(vec![4]));
        assert_eq!(
            conv::<Vec<u32>>("[ a = 1 ]"),
            Err("expected an array (each element a non-negative integer), got a dictionary".into())
        );
        assert_eq!(
            conv::<Vec<Vec<String>>>("( ( a b ) c )"),
            Ok(vec![vec!["a".into(), "b".into()], vec!["c".into()]])
        );
    }
}
