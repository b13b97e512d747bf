//! Types with units: seconds, octal permissions, sizes and throttles.

use std::fmt;
use std::time::Duration;

use crate::ast::ValueNode;
use crate::types::{FromValue, ValueType, from_scalar};

/// A non-negative number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seconds(pub u64);

impl Seconds {
    /// As a `Duration`.
    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl FromValue for Seconds {
    const VALUE_TYPE: ValueType = ValueType::Seconds;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| t.parse().ok().map(Seconds))
    }
}

/// Unix permission bits, written in octal (`0660`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Perms(pub u32);

impl FromValue for Perms {
    const VALUE_TYPE: ValueType = ValueType::Perms;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| {
            let octal =
                !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| (b'0'..=b'7').contains(&b));
            u32::from_str_radix(t, 8)
                .ok()
                .filter(|p| octal && *p <= 0o7777)
                .map(Perms)
        })
    }
}

impl fmt::Display for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

/// A size in bytes; `k`, `m` and `g` suffixes (any case) mean KiB, MiB and GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub u64);

impl FromValue for Size {
    const VALUE_TYPE: ValueType = ValueType::Size;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| {
            let (digits, shift) = match t.as_bytes().last().map(u8::to_ascii_lowercase) {
                Some(b'k') => (&t[..t.len() - 1], 10),
                Some(b'm') => (&t[..t.len() - 1], 20),
                Some(b'g') => (&t[..t.len() - 1], 30),
                _ => (t, 0),
            };
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: u64 = digits.parse().ok()?;
            n.checked_mul(1u64 << shift).map(Size)
        })
    }
}

/// `count` events per `seconds` seconds (`"60/3"`; `"60"` means per second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Throttle {
    /// How many.
    pub count: u32,
    /// Per how many seconds (at least 1).
    pub seconds: u32,
}

impl FromValue for Throttle {
    const VALUE_TYPE: ValueType = ValueType::Throttle;

    fn from_value(v: &ValueNode) -> Result<Self, String> {
        from_scalar(v, |t| {
            let (count, seconds) = t.split_once('/').unwrap_or((t, "1"));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(count) || !digits(seconds) {
                return None;
            }
            Some(Throttle {
                count: count.parse().ok()?,
                seconds: seconds.parse().ok().filter(|s| *s > 0)?,
            })
        })
    }
}

impl fmt::Display for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.seconds)
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
    fn seconds() {
        assert_eq!(conv::<Seconds>("600"), Ok(Seconds(600)));
        assert_eq!(Seconds(3).as_duration(), Duration::from_secs(3));
        assert_eq!(
            conv::<Seconds>("ten"),
            Err("expected seconds (a non-negative integer), got 'ten'".into())
        );
        assert!(conv::<Seconds>("-1").is_err());
    }

    #[test]
    fn perms_are_octal() {
        assert_eq!(conv::<Perms>("0660"), Ok(Perms(0o660)));
        assert_eq!(conv::<Perms>("644"), Ok(Perms(0o644)));
        assert_eq!(conv::<Perms>("01777"), Ok(Perms(0o1777)));
        assert_eq!(Perms(0o640).to_string(), "0640");
        for bad in ["0698", "rw", "+644", "077777"] {
            assert_eq!(
                conv::<Perms>(bad),
                Err(format!(
                    "expected octal permissions (e.g. 0660), got '{bad}'"
                ))
            );
        }
    }

    #[test]
    fn sizes_with_suffixes() {
        assert_eq!(conv::<Size>("4096"), Ok(Size(4096)));
        assert_eq!(conv::<Size>("64k"), Ok(Size(65536)));
        assert_eq!(conv::<Size>("2M"), Ok(Size(2 << 20)));
        assert_eq!(conv::<Size>("1g"), Ok(Size(1 << 30)));
        assert!(conv::<Size>("99999999999999G").is_err());
        assert!(conv::<Size>("k").is_err());
        assert_eq!(
            conv::<Size>("10x"),
            Err("expected a size in bytes (optionally with a k, m or g suffix), got '10x'".into())
        );
    }

    #[test]
    fn throttles() {
        assert_eq!(
            conv::<Throttle>("\"60/3\""),
            Ok(Throttle {
                count: 60,
                seconds: 3
            })
        );
        assert_eq!(
            conv::<Throttle>("60"),
            Ok(Throttle {
                count: 60,
                seconds: 1
            })
        );
        assert_eq!(
            Throttle {
                count: 5,
                seconds: 2
            }
            .to_string(),
            "5/2"
        );
        for bad in ["60/0", "a/3", "60/", "/3", "1/2/3"] {
            assert!(conv::<Throttle>(bad).is_err(), "{bad}");
        }
    }
}
