//! Service names for what init finds: valid DNS labels, unique within the manifest.

use std::collections::BTreeSet;

use crate::manifest::validate::dns_label;

/// The names given so far.
#[derive(Debug, Default)]
pub(crate) struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// A name for something called `wanted` (a directory, a compose service), inside
    /// `parent` when there is one. On a clash the parent joins the name
    /// (`tools/api` → `tools-api`), then a number does (`api-2`).
    pub(crate) fn claim(&mut self, wanted: &str, parent: Option<&str>) -> String {
        let base = dns_label(wanted).unwrap_or_else(|| "service".to_string());
        let with_parent = parent
            .and_then(dns_label)
            .and_then(|p| dns_label(&format!("{p}-{base}")));
        let numbered = (2..).map(|n| {
            let suffix = format!("-{n}");
            let mut stem = base.clone();
            stem.truncate(63 - suffix.len());
            format!("{}{suffix}", stem.trim_end_matches('-'))
        });
        let name = std::iter::once(base.clone())
            .chain(with_parent)
            .chain(numbered)
            .find(|candidate| !self.taken.contains(candidate))
            .expect("the numbered names never run out");
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, dns_label};

    #[test]
    fn labels_are_lowercase_dashed_and_bounded() {
        assert_eq!(dns_label("api").as_deref(), Some("api"));
        assert_eq!(dns_label("My_API.v2").as_deref(), Some("my-api-v2"));
        assert_eq!(dns_label("--web--app--").as_deref(), Some("web-app"));
        assert_eq!(dns_label("2fa").as_deref(), Some("2fa"));
        assert_eq!(dns_label("日本"), None);
        assert_eq!(dns_label(&"a".repeat(70)).map(|l| l.len()), Some(63));
        assert_eq!(
            dns_label(&format!("{}_b", "a".repeat(62))).as_deref(),
            Some("a".repeat(62).as_str())
        );
    }

    #[test]
    fn clashes_take_the_parent_then_a_number() {
        let mut names = Names::default();
        assert_eq!(names.claim("api", Some("services")), "api");
        assert_eq!(names.claim("api", Some("tools")), "tools-api");
        assert_eq!(names.claim("API", Some("tools")), "api-2");
        assert_eq!(names.claim("api", None), "api-3");
        assert_eq!(names.claim("日本", None), "service");
        assert_eq!(names.claim("", None), "service-2");
    }
}
