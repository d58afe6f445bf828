//! The directory walk of `stack init`: which folders are searched for services, in a
//! stable order, never into dependencies, build output or hidden folders.

use std::path::{Path, PathBuf};

use crate::detect::source::NOT_SOURCE;

/// How deep below the root services are looked for (`services/team/api` is 3).
const MAX_DEPTH: usize = 6;
/// How many folders at most are opened, so a huge tree cannot stall init.
const MAX_DIRS: usize = 20_000;

/// A folder named `name` is not searched: hidden (`.git`, `.venv`, `.cache`) or listed.
pub(crate) fn skipped(name: &str) -> bool {
    name.starts_with('.') || NOT_SOURCE.contains(&name)
}

/// What a folder is, as the caller's detectors see it.
pub(crate) enum Verdict<T> {
    /// The services built from this folder; nothing below it is searched.
    Services(Vec<T>),
    /// Not a service (nothing recognised, or only a workspace): search below.
    Descend,
    /// Recognised but not buildable as it is (a tooling-only package.json): the services
    /// below it when there are any, else this one.
    Fallback(T),
}

/// The services of the tree at `root`, depth first in name order. `classify` gets each
/// folder relative to `root` (empty for the root itself).
pub(crate) fn walk<T>(root: &Path, classify: &mut dyn FnMut(&Path) -> Verdict<T>) -> Vec<T> {
    let mut budget = MAX_DIRS;
    visit(root, PathBuf::new(), 0, &mut budget, classify)
}

fn visit<T>(
    root: &Path,
    rel: PathBuf,
    depth: usize,
    budget: &mut usize,
    classify: &mut dyn FnMut(&Path) -> Verdict<T>,
) -> Vec<T> {
    let dir = root.join(&rel);
    // A virtualenv of any name (`env/`, `.tox/py311`) holds installed packages.
    if *budget == 0 || dir.join("pyvenv.cfg").is_file() {
        return Vec::new();
    }
    *budget -= 1;
    let fallback = match classify(&rel) {
        Verdict::Services(found) => return found,
        Verdict::Descend => None,
        Verdict::Fallback(this) => Some(this),
    };
    let mut found = Vec::new();
    if depth < MAX_DEPTH {
        for name in subfolders(&dir) {
            found.extend(visit(root, rel.join(name), depth + 1, budget, classify));
        }
    }
    match fallback {
        Some(this) if found.is_empty() => vec![this],
        _ => found,
    }
}

/// Folder names under `dir` worth searching, sorted; links are not followed.
fn subfolders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|name| !skipped(name))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Verdict, skipped, walk};

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "").expect("write");
        }
        dir
    }

    /// A folder with `app` is a service, one with `tooling` falls back, `ws` descends.
    fn found(files: &[&str]) -> Vec<String> {
        let dir = tree(files);
        let root = dir.path().to_path_buf();
        walk(&root, &mut |rel: &Path| {
            let shown = rel.display().to_string();
            let at = root.join(rel);
            if at.join("app").is_file() {
                Verdict::Services(vec![shown])
            } else if at.join("tooling").is_file() {
                Verdict::Fallback(format!("{shown} (fallback)"))
            } else {
                Verdict::Descend
            }
        })
    }

    #[test]
    fn dependencies_build_output_and_hidden_folders_are_skipped() {
        for name in [
            "node_modules",
            "vendor",
            "target",
            ".git",
            ".venv",
            "venv",
            "dist",
            "build",
            "__pycache__",
            ".cache",
        ] {
            assert!(skipped(name), "{name}");
        }
        assert!(!skipped("services"));
        assert_eq!(
            found(&[
                "services/api/app",
                "services/web/app",
                "services/web/node_modules/decoy/app",
                "vendor/github.com/x/app",
                "node_modules/left-pad/app",
                ".git/hooks/app",
                "env/pyvenv.cfg",
                "env/lib/app",
                "tools/deep/a/b/c/d/e/app",
            ]),
            vec!["services/api", "services/web"]
        );
    }

    #[test]
    fn a_service_stops_the_search_and_a_fallback_only_counts_alone() {
        assert_eq!(found(&["app", "services/api/app"]), vec![""]);
        assert_eq!(
            found(&["tooling", "services/api/app"]),
            vec!["services/api"]
        );
        assert_eq!(found(&["tooling", "docs/readme"]), vec![" (fallback)"]);
        assert_eq!(
            found(&["b/app", "a/app", "a2/tooling"]),
            vec!["a", "a2 (fallback)", "b"]
        );
    }
}
