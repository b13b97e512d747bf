//! UTC timestamps in the XEP-0082 profile, for `<delay/>` (XEP-0203) and entity time
//! (XEP-0202), without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now as `CCYY-MM-DDThh:mm:ssZ`.
pub fn now_xep0082() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_xep0082(seconds)
}

/// Formats seconds since the epoch as `CCYY-MM-DDThh:mm:ssZ`.
pub fn format_xep0082(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_correctly() {
        assert_eq!(format_xep0082(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_xep0082(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            format_xep0082(1_795_392_000 + 3_723),
            "2026-11-23T01:02:03Z"
        );
    }
}
