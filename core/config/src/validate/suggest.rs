//! "Did you mean …?": the closest known name within a small edit distance.

/// The candidate closest to `name` (case-insensitive Damerau-Levenshtein), if close enough.
/// Ties go to the earliest candidate.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lname = name.to_ascii_lowercase();
    let max = (name.chars().count() / 4).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lname, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `"; did you mean 'x'?"` or nothing.
pub(crate) fn did_you_mean(best: Option<&str>) -> String {
    best.map(|b| format!("; did you mean '{b}'?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_transpositions() {
        let names = ["idle_time", "listen_backlog", "enable"];
        assert_eq!(closest("idel_time", names), Some("idle_time"));
        assert_eq!(closest("IDLE_TIM", names), Some("idle_time"));
        assert_eq!(closest("enabled", names), Some("enable"));
        assert_eq!(closest("xmp", ["xmpp", "xmpp_logger"]), Some("xmpp"));
        assert_eq!(closest("Domian", ["domain"]), Some("domain"));
    }

    #[test]
    fn ignores_distant_names() {
        assert_eq!(closest("foo", ["xmpp", "domain"]), None);
        assert_eq!(closest("completely_other", ["idle_time"]), None);
        assert_eq!(did_you_mean(None), "");
        assert_eq!(did_you_mean(Some("a")), "; did you mean 'a'?");
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"));
    }
}
