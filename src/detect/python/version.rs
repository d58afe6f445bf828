//! Which Python a service runs: the manifest's pin, `.python-version`, `requires-python`,
//! Poetry's `python` dependency, then stack's default.

use std::sync::LazyLock;

use regex::Regex;

use crate::detect::python::project::Project;
use crate::detect::version::{Version, pick};
use crate::manifest::service::Service;

/// The Python used when nothing pins one: a current release with a long support window.
pub(super) const DEFAULT_VERSION: &str = "3.12";

static MINOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+)\.(\d+)").expect("a valid pattern"));

/// (version, where it came from).
pub(super) fn version(service: &Service, project: &Project<'_>) -> (String, String) {
    pick(
        service,
        &[
            Version::file(project.dir, ".python-version", |text| {
                lowest_minor(text.lines().next()?)
            }),
            Version::from(
                "requires-python in pyproject.toml",
                project
                    .table(&["project"])
                    .and_then(|p| p.get("requires-python")?.as_str())
                    .and_then(lowest_minor),
            ),
            Version::from(
                "tool.poetry.dependencies.python in pyproject.toml",
                project
                    .table(&["tool", "poetry", "dependencies"])
                    .and_then(|d| d.get("python")?.as_str())
                    .and_then(lowest_minor),
            ),
        ],
        DEFAULT_VERSION,
    )
}

/// The lowest `X.Y` a version or specifier allows: `3.11` from `3.11.4`, `>=3.11,<4`,
/// `<3.13,>=3.10` (upper bounds and exclusions say nothing about the lowest), `^3.11`.
fn lowest_minor(spec: &str) -> Option<String> {
    spec.split([',', '|'])
        .map(str::trim)
        .filter(|clause| !clause.starts_with('<') && !clause.starts_with("!="))
        .filter_map(|clause| {
            let c = MINOR.captures(clause)?;
            Some((c[1].parse::<u32>().ok()?, c[2].parse::<u32>().ok()?))
        })
        .min()
        .map(|(major, minor)| format!("{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::lowest_minor;

    #[test]
    fn the_lowest_allowed_minor_is_read_from_specifiers() {
        assert_eq!(lowest_minor(">=3.11").as_deref(), Some("3.11"));
        assert_eq!(lowest_minor(">=3.11,<4").as_deref(), Some("3.11"));
        assert_eq!(lowest_minor("<3.13,>=3.10").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("~=3.10, !=3.10.2").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("^3.10").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("3.12.4").as_deref(), Some("3.12"));
        assert_eq!(lowest_minor(">=3.9.2").as_deref(), Some("3.9"));
        assert_eq!(lowest_minor("pypy3").as_deref(), None);
        assert_eq!(lowest_minor("<3.13"), None);
    }
}
