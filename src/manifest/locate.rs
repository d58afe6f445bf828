//! Finding the manifest: `--file`, or stack.yaml in this or a parent directory.

use std::path::{Path, PathBuf};

/// File names tried in each directory, in order.
pub(crate) const FILE_NAMES: [&str; 2] = ["stack.yaml", "stack.yml"];

/// The manifest to use, or `None` when there is none up to the filesystem root.
pub(crate) fn locate(explicit: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(cwd.join(path));
    }
    cwd.ancestors()
        .flat_map(|dir| FILE_NAMES.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// How to show `path` to the user: relative to `cwd` when it is below it.
pub(crate) fn display_path(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_the_manifest_in_a_parent_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("stack.yaml"), "services: {}\n").expect("write");
        let nested = dir.path().join("services/api");
        std::fs::create_dir_all(&nested).expect("mkdir");
        assert_eq!(locate(None, &nested), Some(dir.path().join("stack.yaml")));
    }

    #[test]
    fn none_when_there_is_no_manifest() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(locate(None, dir.path()), None);
    }
}
