//! Shared glue: find and load the manifest the user meant, look up a service in it, and
//! write a new one only once the loader accepts it.

use std::collections::BTreeMap;
use std::path::Path;

use tempfile::NamedTempFile;

use crate::error::Error;
use crate::manifest::load::load;
use crate::manifest::locate::{display_path, locate};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::manifest::suggest::did_you_mean;
use crate::settings::Settings;

/// The manifest for this invocation, validated.
pub(crate) fn load_manifest(settings: &Settings) -> Result<Manifest, Error> {
    let file = locate(settings.manifest.as_deref(), &settings.cwd)
        .ok_or_else(|| Error::ManifestNotFound(settings.cwd.clone()))?;
    if !file.is_file() {
        return Err(Error::Usage {
            message: format!(
                "manifest {} does not exist",
                display_path(&file, &settings.cwd).display()
            ),
            hint: Some("check the `--file` path, or run `stack init` to write one".to_string()),
        });
    }
    let shown = display_path(&file, &settings.cwd);
    Ok(load(&file, &shown, &settings.env)?)
}

/// The service called `name`, or a usage error that suggests the closest name.
pub(crate) fn find_service<'m>(manifest: &'m Manifest, name: &str) -> Result<&'m Service, Error> {
    if let Some(service) = manifest.services.get(name) {
        return Ok(service);
    }
    let names = manifest.services.keys().map(String::as_str);
    Err(Error::Usage {
        message: format!("no service `{name}` in {}", manifest.file.display()),
        hint: Some(did_you_mean(name, names, "services are")),
    })
}

/// Checks `text` as the manifest `file` would be, with the loader, through a temporary file
/// next to it (relative paths and `.env` resolve the same); messages name it `shown`. The
/// file is deleted when the result is dropped.
pub(crate) fn check_manifest_text(
    file: &Path,
    shown: &Path,
    text: &str,
    env: &BTreeMap<String, String>,
) -> Result<NamedTempFile, Error> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let staged = tempfile::Builder::new()
        .prefix(".stack-")
        .suffix(".yaml")
        .tempfile_in(dir)
        .map_err(io("write a file in", dir))?;
    std::fs::write(staged.path(), text).map_err(io("write", staged.path()))?;
    load(staged.path(), shown, env)?;
    // Renamed into place, it keeps the manifest's permissions, or the usual ones for a new
    // manifest, not a temporary file's 0600.
    let permissions = match std::fs::metadata(file) {
        Ok(metadata) => Some(metadata.permissions()),
        #[cfg(unix)]
        Err(_) => Some(std::os::unix::fs::PermissionsExt::from_mode(0o644)),
        #[cfg(not(unix))]
        Err(_) => None,
    };
    if let Some(permissions) = permissions {
        std::fs::set_permissions(staged.path(), permissions)
            .map_err(io("set the permissions of", staged.path()))?;
    }
    Ok(staged)
}

/// Writes `text` to `file` only once the loader accepts it, in one rename: a reader never
/// sees half a manifest, and a rejected one leaves the file as it was.
pub(crate) fn write_manifest(
    file: &Path,
    shown: &Path,
    text: &str,
    env: &BTreeMap<String, String>,
) -> Result<(), Error> {
    check_manifest_text(file, shown, text, env)?
        .persist(file)
        .map(|_| ())
        .map_err(|error| Error::Io {
            action: "write",
            path: file.to_path_buf(),
            source: error.error,
        })
}
