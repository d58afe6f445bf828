//! Where a service's image comes from: built from a directory inside the project, or a
//! ready-made image.

use std::path::{Component, Path, PathBuf};

use crate::manifest::checker::{Checker, Text};
use crate::manifest::located::Pos;
use crate::manifest::raw::RawService;
use crate::manifest::section::Section;
use crate::manifest::service::Source;
use crate::manifest::value::Shape;

/// `path` or `image`, exactly one of them.
pub(crate) fn check_source(
    checker: &mut Checker<'_>,
    name: &str,
    key_pos: Pos,
    raw: &RawService,
    root: &Path,
) -> Option<Source> {
    match (&raw.path, &raw.image) {
        (Some(_), Some(image)) => {
            checker.error(
                image.pos,
                "has both `path` and `image`",
                Some(
                    "a service is built from `path` or runs a ready-made `image`; remove one"
                        .to_string(),
                ),
            );
            None
        }
        // Compose's `build: ./dir` is answered where it is written.
        (None, None) if matches!(&raw.build, Some(build) if matches!(build.value, Section::Other(Shape::Scalar))) => {
            None
        }
        (None, None) => {
            checker.error(
                key_pos,
                "has neither `path` nor `image`",
                Some(format!(
                    "add `path: ./{name}` to build it from source, or `image: postgres:16` to run an image"
                )),
            );
            None
        }
        (None, Some(image)) => checker.image(image, "image").map(Source::Image),
        (Some(path), None) => {
            let path = checker.text(path, "path")?;
            check_path(checker, &path, root)
        }
    }
}

/// A service directory: it must exist and stay inside the project, symlinks included.
fn check_path(checker: &mut Checker<'_>, path: &Text, root: &Path) -> Option<Source> {
    let relative = PathBuf::from(&path.value);
    let joined = normalize(&root.join(&relative));
    let outside = || {
        (
            format!("path `{}` is outside the project directory", path.value),
            Some(
                "a service directory must be inside the directory holding the manifest; move the service or the manifest"
                    .to_string(),
            ),
        )
    };
    if !joined.starts_with(root) {
        let (message, hint) = outside();
        checker.error(path.pos, message, hint);
        return None;
    }
    let Ok(dir) = joined.canonicalize() else {
        checker.error(
            path.pos,
            format!("path `{}` does not exist", path.value),
            Some("paths are relative to the directory holding the manifest".to_string()),
        );
        return None;
    };
    if !dir.starts_with(root) {
        let (message, hint) = outside();
        checker.error(path.pos, format!("{message} (through a symlink)"), hint);
        return None;
    }
    if !dir.is_dir() {
        checker.error(
            path.pos,
            format!("path `{}` is not a directory", path.value),
            Some("`path` names the service's source directory".to_string()),
        );
        return None;
    }
    Some(Source::Build { dir, relative })
}

/// Resolves `.` and `..` without touching the filesystem.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
