//! Where `stack new service` writes a service: `--path` inside the project, or next to the
//! project's other services, and never into something that exists.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::manifest::check::source::normalize;
use crate::manifest::locate::display_path;
use crate::manifest::project::Manifest;
use crate::manifest::service::Source;

/// Where services go when the project has no layout to follow.
const DEFAULT_PARENT: &str = "services";

/// A new service's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    /// Absolute, inside the project.
    pub(crate) dir: PathBuf,
    /// Relative to the project root with `/` separators, as stack.yaml's `path` gives it.
    pub(crate) relative: String,
}

impl Location {
    /// The directory for service `name` of the project at `root` (canonical): `path`
    /// (relative to `cwd`) when given, else the default parent's `name`.
    pub(crate) fn choose(
        root: &Path,
        cwd: &Path,
        path: Option<&Path>,
        manifest: Option<&Manifest>,
        name: &str,
    ) -> Result<Location, Error> {
        let dir = match path {
            Some(path) => inside(root, &cwd.join(path)).ok_or_else(|| Error::Usage {
                message: format!("`{}` is outside the project", path.display()),
                hint: Some(
                    "service directories live inside the directory that holds stack.yaml"
                        .to_string(),
                ),
            })?,
            None => root.join(default_parent(manifest)).join(name),
        };
        let relative = dir
            .strip_prefix(root)
            .expect("`inside` and the default keep the directory in the project");
        if relative.as_os_str().is_empty() {
            return Err(Error::Usage {
                message: "a service cannot be the project directory itself".to_string(),
                hint: Some("give it a directory of its own with `--path`".to_string()),
            });
        }
        if dir.symlink_metadata().is_ok() {
            return Err(Error::Usage {
                message: format!("{} already exists", display_path(&dir, cwd).display()),
                hint: Some("choose another name, or another directory with `--path`; stack new never writes into an existing directory".to_string()),
            });
        }
        let relative = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Location { dir, relative })
    }
}

/// The project directory: the manifest's root, or the directory a new `file` goes in.
pub(crate) fn project_root(manifest: Option<&Manifest>, file: &Path) -> Result<PathBuf, Error> {
    if let Some(manifest) = manifest {
        return Ok(manifest.root.clone());
    }
    let parent = file.parent().unwrap_or(Path::new("."));
    parent.canonicalize().map_err(|source| Error::Io {
        action: "resolve",
        path: parent.to_path_buf(),
        source,
    })
}

/// Where new services go: the directory every built service already shares (`apps/`, or
/// the project root), else `services/`.
fn default_parent(manifest: Option<&Manifest>) -> PathBuf {
    let mut parents = manifest
        .into_iter()
        .flat_map(|m| m.services.values())
        .filter_map(|service| match &service.source {
            Source::Build { relative, .. } => {
                Some(relative.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            Source::Image(_) => None,
        })
        .map(|parent| normalize(&parent));
    match parents.next() {
        Some(first) if parents.all(|p| p == first) => first,
        // Built services in different places, or none yet.
        Some(_) | None => PathBuf::from(DEFAULT_PARENT),
    }
}

/// `path` (absolute, which may not exist yet) resolved, when it is inside the project
/// `root` (canonical): the deepest existing ancestor is resolved, so a symlink cannot lead
/// outside.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let path = normalize(path);
    let existing = path.ancestors().find(|a| a.exists())?;
    let rest = path.strip_prefix(existing).ok()?;
    let resolved = existing.canonicalize().ok()?.join(rest);
    resolved.starts_with(root).then_some(resolved)
}
