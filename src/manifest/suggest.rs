//! "Did you mean …?": the closest of a set of valid names to what the user typed.

/// The candidate most like `typed`, when one is close enough to be a likely typo.
pub(crate) fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // Jaro-Winkler favours shared prefixes (`depend_on`); a single edit or swap catches
    // short names it scores low (`wbe` for `web`).
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(typed, candidate);
            let one_edit = strsim::osa_distance(typed, candidate) <= 1;
            (if one_edit { score.max(0.81) } else { score }, candidate)
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A hint naming the closest candidate, or listing them all when none is close.
pub(crate) fn did_you_mean<'a, I>(typed: &str, candidates: I, all_label: &str) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    match closest(typed, candidates.clone()) {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => {
            let names: Vec<&str> = candidates.into_iter().collect();
            format!("{all_label}: {}", names.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, did_you_mean};

    #[test]
    fn typos_find_their_key_and_strangers_list_the_choices() {
        let keys = ["path", "image", "port", "depends_on"];
        assert_eq!(closest("prot", keys), Some("port"));
        assert_eq!(closest("depend_on", keys), Some("depends_on"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("wbe", ["api", "web"]), Some("web"));
        assert_eq!(
            did_you_mean("zzz", keys, "valid keys are"),
            "valid keys are: path, image, port, depends_on"
        );
    }
}
