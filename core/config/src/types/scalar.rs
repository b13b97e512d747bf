//! Plain scalar types: strings, booleans, integers, floats and paths.

use std::path::PathBuf;

use crate::ast::ValueNode;
use crate::types::{FromValue, ValueType, from_scalar};

const TRUE_WORDS: [&str; 5] = ["true", "yes", "on", "enabled", "1"];
const FALSE_WORDS: [&str; 5] = ["false", "no", "off", "disabled", "0"];

impl FromValue for String {
    const VALUE_TYPE: ValueType = ValueType::String;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| Some(t.to_string()))
    }
}

impl FromValue for bool {
    const VALUE_TYPE: ValueType = ValueType::Bool;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        let is = |words: &[&str], t: &str| words.iter().any(|w| w.eq_ignore_ascii_case(t));
        from_scalar(v, |t| {
            if is(&TRUE_WORDS, t) {
                Some(true)
            } else if is(&FALSE_WORDS, t) {
                Some(false)
            } else {
                None
            }
        })
    }
}

macro_rules! int_from_value {
    ($($t:ty => $vt:expr),*) => {$(
        impl FromValue for $t {
            const VALUE_TYPE: ValueType = $vt;

            fn from_value(v: &ValueNode) -> Result<Self, String> {
                from_scalar(v, |t| t.parse().ok())
            }
        }
    )*};
}

int_from_value!(u32 => ValueType::Uint, u64 => ValueType::Uint, i64 => ValueType::Int);

impl FromValue for f64 {
    const VALUE_TYPE: ValueType = ValueType::Float;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| t.parse::<f64>().ok().filter(|f| f.is_finite()))
    }
}

impl FromValue for PathBuf {
    const VALUE_TYPE: ValueType = ValueType::Path;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| (!t.is_empty()).then(|| PathBuf::from(t)))
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
    fn booleans_in_every_spelling() {
        for t in ["true", "YES", "On", "enabled", "1", "\"true\""] {
            assert_eq!(conv::<bool>(t), Ok(true), "{t}");
        }
        for f in ["false", "no", "OFF", "Disabled", "0", "\"false\""] {
            assert_eq!(conv::<bool>(f), Ok(false), "{f}");
        }
        assert_eq!(
            conv::<bool>("maybe"),
            Err("expected a boolean (true/false, yes/no, on/off, enabled/disabled, 1/0), got 'maybe'".into())
        );
    }

    #[test]
    fn integers_with_range_checks() {
        assert_eq!(conv::<u32>("500"), Ok(500));
        assert!(conv::<u32>("4294967296").is_err());
        assert_eq!(conv::<u64>("4294967296"), Ok(4_294_967_296));
        assert_eq!(
            conv::<u64>("-1"),
            Err("expected a non-negative integer, got '-1'".into())
        );
        assert_eq!(conv::<i64>("-12"), Ok(-12));
        assert_eq!(
            conv::<i64>("1.5"),
            Err("expected an integer, got '1.5'".into())
        );
    }

    #[test]
    fn floats_must_be_finite() {
        assert_eq!(conv::<f64>("1.5"), Ok(1.5));
        assert_eq!(conv::<f64>("-2"), Ok(-2.0));
        assert_eq!(
            conv::<f64>("inf"),
            Err("expected a number, got 'inf'".into())
        );
        assert!(conv::<f64>("NaN").is_err());
    }

    #[test]
    fn strings_and_paths() {
        assert_eq!(conv::<String>("\"a b\""), Ok("a b".to_string()));
        assert_eq!(conv::<String>("\"\""), Ok(String::new()));
        assert_eq!(
            conv::<PathBuf>("/opt/x.pem"),
            Ok(PathBuf::from("/opt/x.pem"))
        );
        assert_eq!(
            conv::<PathBuf>("\"\""),
            Err("expected a path, got ''".into())
        );
        assert_eq!(
            conv::<String>("[ a = b ]"),
            Err("expected a string, got a dictionary".into())
        );
    }
}
