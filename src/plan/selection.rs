//! Which services a command acts on: those named with everything they depend on (`up
//! web`), only those named (`up --no-deps web`, `build web`), or all of them.

use std::collections::BTreeSet;

use crate::manifest::project::Manifest;

/// The services named on the command line, and whether their dependencies come along;
/// the default is every service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    named: Vec<String>,
    dependencies: bool,
}

impl Selection {
    /// The named services and, transitively, what they depend on; all when none is named.
    pub(crate) fn with_dependencies(named: &[String]) -> Selection {
        Selection {
            named: named.to_vec(),
            dependencies: true,
        }
    }

    /// Only the named services; all when none is named.
    pub(crate) fn only(named: &[String]) -> Selection {
        Selection {
            named: named.to_vec(),
            dependencies: false,
        }
    }

    /// The services named on the command line.
    pub(crate) fn named(&self) -> &[String] {
        &self.named
    }

    /// The chosen services' names. Names the manifest does not have are the caller's to
    /// reject first (with a did-you-mean); here they are left out.
    pub(crate) fn chosen(&self, manifest: &Manifest) -> BTreeSet<String> {
        if self.named.is_empty() {
            return manifest.services.keys().cloned().collect();
        }
        let mut chosen = BTreeSet::new();
        let mut next: Vec<&str> = self.named.iter().map(String::as_str).collect();
        while let Some(name) = next.pop() {
            let Some(service) = manifest.services.get(name) else {
                continue;
            };
            if !chosen.insert(name.to_string()) {
                continue;
            }
            if self.dependencies {
                next.extend(service.depends_on.iter().map(String::as_str));
            }
        }
        chosen
    }

    /// Keeps only the chosen services in `manifest`; returns the names of those left out,
    /// which are neither planned nor touched (and not orphans either).
    pub(crate) fn apply(&self, manifest: &mut Manifest) -> BTreeSet<String> {
        let chosen = self.chosen(manifest);
        let left_out: BTreeSet<String> = manifest
            .services
            .keys()
            .filter(|name| !chosen.contains(*name))
            .cloned()
            .collect();
        manifest.services.retain(|name, _| chosen.contains(name));
        left_out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::Selection;
    use crate::manifest::load::load;
    use crate::manifest::project::Manifest;

    /// web -> api -> db, api -> cache; worker -> db; docs alone.
    fn manifest() -> Manifest {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("stack.yaml");
        let service = |deps: &str| format!("    image: busybox\n    depends_on: [{deps}]\n");
        let text = format!(
            "name: shop\nservices:\n  web:\n{}  api:\n{}  db:\n{}  cache:\n{}  worker:\n{}  docs:\n{}",
            service("api"),
            service("db, cache"),
            service(""),
            service(""),
            service("db"),
            service(""),
        );
        std::fs::write(&file, text).expect("write stack.yaml");
        load(&file, Path::new("stack.yaml"), &BTreeMap::new()).expect("a valid manifest")
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_named_service_brings_its_dependencies_transitively_and_nothing_else() {
        let manifest = manifest();
        let web = Selection::with_dependencies(&["web".to_string()]);
        assert_eq!(web.chosen(&manifest), names(&["web", "api", "db", "cache"]));
        let both = Selection::with_dependencies(&["worker".to_string(), "docs".to_string()]);
        assert_eq!(both.chosen(&manifest), names(&["worker", "db", "docs"]));
        let alone = Selection::only(&["web".to_string()]);
        assert_eq!(alone.chosen(&manifest), names(&["web"]));
        assert_eq!(Selection::default().chosen(&manifest).len(), 6);
        assert_eq!(Selection::only(&[]).chosen(&manifest).len(), 6);
    }

    #[test]
    fn applying_keeps_the_chosen_services_and_names_the_rest() {
        let mut manifest = manifest();
        let left_out = Selection::with_dependencies(&["api".to_string()]).apply(&mut manifest);
        assert_eq!(left_out, names(&["web", "worker", "docs"]));
        let kept: BTreeSet<String> = manifest.services.keys().cloned().collect();
        assert_eq!(kept, names(&["api", "db", "cache"]));
    }
}
