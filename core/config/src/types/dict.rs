//! `Dict`: a dictionary value `[ k = v … ]` with case-insensitive, typed lookups.

use crate::ast::{Name, Value, ValueNode};
use crate::types::{FromValue, ValueType, mismatch};

/// A dictionary in file order; on lookup the last entry of a key wins.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dict(pub Vec<(Name, ValueNode)>);

impl Dict {
    /// The value for `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&ValueNode> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_case(key))
            .map(|(_, v)| v)
    }

    /// The value for `key` converted to `T`; a missing key is `T::absent()` or an error.
    pub fn get_as<T: FromValue>(&self, key: &str) -> Result<T, String> {
        match self.get(key) {
            Some(v) => T::from_value(v).map_err(|m| format!("invalid value for '{key}': {m}")),
            None => T::absent().ok_or_else(|| format!("missing required key '{key}'")),
        }
    }

    /// The entries in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&Name, &ValueNode)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries (repeated keys counted each time).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromValue for Dict {
    const VALUE_TYPE: ValueType = ValueType::Dict;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        match &v.value {
            Value::Dict(entries) => Ok(Dict(entries.clone())),
            _ => Err(mismatch(&Self::VALUE_TYPE, v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_value;
    use crate::types::Seconds;

    fn dict(src: &str) -> Result<Dict, String> {
        Dict::from_value(&parse_value(src, "t").map_err(|d| d.to_string())?)
    }

    #[test]
    fn lookups_are_case_insensitive_and_typed() {
        let d = dict("[ URI = \"file:///etc/passwd\" log_authentication = true t = 5 t = 6 ]")
            .expect("dict");
        assert_eq!(d.len(), 4);
        assert!(!d.is_empty());
        assert_eq!(
            d.get_as::<String>("uri"),
            Ok("file:///etc/passwd".to_string())
        );
        assert_eq!(d.get_as::<bool>("Log_Authentication"), Ok(true));
        assert_eq!(d.get_as::<Seconds>("t"), Ok(Seconds(6)));
        assert_eq!(d.get_as::<Option<String>>("realm"), Ok(None));
        assert_eq!(
            d.get_as::<String>("realm"),
            Err("missing required key 'realm'".into())
        );
        assert_eq!(
            d.get_as::<u32>("uri"),
            Err("invalid value for 'uri': expected a non-negative integer, got 'file:///etc/passwd'".into())
        );
        let keys: Vec<&str> = d.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["URI", "log_authentication", "t", "t"]);
    }

    #[test]
    fn nested_and_rejections() {
        let d = dict("[ map = [ user = \"%{username}\" ] ]").expect("dict");
        let inner: Dict = d.get_as("map").expect("inner");
        assert_eq!(inner.get_as::<String>("user"), Ok("%{username}".into()));
        assert_eq!(
            dict("x"),
            Err("expected a dictionary ([ key = value ... ]), got 'x'".into())
        );
        assert!(dict("[ ]").expect("empty").is_empty());
    }
}
