//! Which folders to watch: the services' trees walked through their build rules, so an
//! ignored folder (node_modules, .venv, target) is never entered, let alone watched. One
//! non-recursive watch per kept folder is what keeps starting fast and idle quiet on a
//! tree of 100,000 files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every folder under `root` (itself included) that `wants` keeps, not entering the ones
/// it leaves out; symbolic links are not followed.
pub(crate) fn kept_dirs(root: &Path, wants: &dyn Fn(&Path) -> bool) -> BTreeSet<PathBuf> {
    let mut kept = BTreeSet::new();
    if !root.is_dir() || !wants(root) {
        return kept;
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let path = entry.path();
            if is_dir && wants(&path) {
                pending.push(path);
            }
        }
        kept.insert(dir);
    }
    kept
}

/// The files under the kept folders `dirs` (not below them): what a folder that just
/// appeared holds, whose own events may have come before its watch.
pub(crate) fn files_in(dirs: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        files.extend(
            entries
                .flatten()
                .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
                .map(|entry| entry.path()),
        );
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{files_in, kept_dirs};

    #[test]
    fn ignored_folders_are_neither_entered_nor_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        for path in ["src/pkg/a.py", "node_modules/x/y/index.js", "b.py"] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
            std::fs::write(full, "x").expect("write");
        }
        let entered = std::cell::RefCell::new(Vec::new());
        let wants = |path: &Path| {
            entered.borrow_mut().push(path.to_path_buf());
            !path.ends_with("node_modules")
        };
        let kept = kept_dirs(dir.path(), &wants);
        let names: Vec<String> = kept
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["", "src", "src/pkg"]);
        assert!(
            !entered
                .borrow()
                .iter()
                .any(|p| p.ends_with("node_modules/x")),
            "an ignored folder is not entered"
        );
        let files = files_in(&kept);
        assert_eq!(files.len(), 2, "{files:?}");
    }
}
