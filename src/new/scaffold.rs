//! A new directory of files, written all at once or not at all: `stack new service` takes
//! it back when anything after it fails, so a failed command leaves the tree as it was.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Files written under a directory that did not exist before.
#[derive(Debug)]
pub(crate) struct Scaffold {
    /// The first directory this scaffold created (the service directory or a new parent
    /// of it, such as `services/`): removing it removes everything written.
    created: Option<PathBuf>,
}

impl Scaffold {
    /// Creates `dir` (and missing parents) and writes `files` (relative path, contents)
    /// into it. On failure everything created so far is removed again.
    pub(crate) fn write(dir: &Path, files: &[(PathBuf, String)]) -> Result<Scaffold, Error> {
        let created = dir
            .ancestors()
            .take_while(|d| !d.exists())
            .last()
            .map(Path::to_path_buf);
        let scaffold = Scaffold { created };
        let result = files.iter().try_for_each(|(relative, text)| {
            let path = dir.join(relative);
            let io = |source| Error::Io {
                action: "write",
                path: path.clone(),
                source,
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            write_new(&path, text).map_err(io)?;
            #[cfg(unix)]
            if text.starts_with("#!") {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .map_err(io)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(scaffold),
            Err(error) => {
                scaffold.remove();
                Err(error)
            }
        }
    }

    /// Removes everything the scaffold created. Best effort: it runs while another error is
    /// being reported.
    pub(crate) fn remove(self) {
        if let Some(dir) = self.created {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Creates `path`, failing rather than replacing a file that appeared meanwhile.
pub(crate) fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::Scaffold;

    #[test]
    fn remove_takes_back_new_parents_but_nothing_that_was_there() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(root.path().join("keep.txt"), "mine").expect("write");
        let dir = root.path().join("services/api");
        let files = vec![
            (PathBuf::from("main.py"), "print()\n".to_string()),
            (PathBuf::from("pkg/__init__.py"), String::new()),
        ];
        let scaffold = Scaffold::write(&dir, &files).expect("written");
        assert!(dir.join("pkg/__init__.py").is_file());
        scaffold.remove();
        assert!(!root.path().join("services").exists());
        assert!(root.path().join("keep.txt").is_file());
    }
}
