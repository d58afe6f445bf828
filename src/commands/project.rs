//! Shared glue: find and load the manifest the user meant, look up a service in it, and
//! write a new one only once the loader accepts it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::Error;
use crate::manifest::load::{Request, load, load_request};
use crate::manifest::locate::{display_path, locate};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::validate::{is_project_name, suggested_label};
use crate::settings::Settings;

/// The Compose files a project may hold instead of a stack.yaml, as Compose looks for them.
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The file beside stack.yaml merged over it by default, as Compose does with its own.
const OVERRIDE_FILES: [&str; 2] = ["stack.override.yaml", "stack.override.yml"];

/// The manifest files of this invocation, in merge order: the `-f` files, or the stack.yaml
/// found from here upwards and the override file beside it. `None` when there is none.
pub(crate) fn manifest_files(settings: &Settings) -> Option<Vec<PathBuf>> {
    if !settings.files.is_empty() {
        return Some(
            settings
                .files
                .iter()
                .map(|f| settings.cwd.join(f))
                .collect(),
        );
    }
    let main = locate(None, &settings.cwd)?;
    let dir = main.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = vec![main];
    files.extend(
        OVERRIDE_FILES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file()),
    );
    Some(files)
}

/// The manifest for this invocation, validated.
pub(crate) fn load_manifest(settings: &Settings) -> Result<Manifest, Error> {
    let Some(files) = manifest_files(settings) else {
        return Err(
            match COMPOSE_FILES
                .iter()
                .find(|f| settings.cwd.join(f).is_file())
            {
                Some(compose) => Error::Usage {
                    message: format!(
                        "no stack.yaml in {} or any parent directory, but there is {compose}",
                        settings.cwd.display()
                    ),
                    hint: Some(format!(
                        "run `stack init --write` to write a stack.yaml from {compose} and the code it builds"
                    )),
                },
                None => Error::ManifestNotFound(settings.cwd.clone()),
            },
        );
    };
    for file in &files {
        if !file.exists() {
            return Err(Error::Usage {
                message: format!(
                    "manifest {} does not exist",
                    display_path(file, &settings.cwd).display()
                ),
                hint: Some(
                    "check the `--file` path, or run `stack init --write` to write one".to_string(),
                ),
            });
        }
    }
    if let Some(missing) = settings
        .env_files
        .iter()
        .find(|f| !settings.cwd.join(f).is_file())
    {
        return Err(Error::Usage {
            message: format!("env file {} does not exist", missing.display()),
            hint: Some("`--env-file` paths are relative to the current directory".to_string()),
        });
    }
    if let Some(name) = &settings.project_name
        && !is_project_name(name)
    {
        return Err(Error::Usage {
            message: format!("`{name}` is not a valid project name (`-p` / STACK_PROJECT_NAME)"),
            hint: Some(format!(
                "use lowercase letters, digits, `-` and `_`, starting with a letter or digit, e.g. `{}`",
                suggested_label(name)
            )),
        });
    }
    let shown = |path: &PathBuf| (path.clone(), display_path(path, &settings.cwd));
    let request = Request {
        files: files.iter().map(shown).collect(),
        env_files: settings
            .env_files
            .iter()
            .map(|f| shown(&settings.cwd.join(f)))
            .collect(),
        project_name: settings.project_name.clone(),
        profiles: settings.profiles.clone(),
    };
    Ok(load_request(&request, &settings.env)?)
}

/// The manifest, once every service named on the command line is in it.
pub(crate) fn load_for(settings: &Settings, services: &[String]) -> Result<Manifest, Error> {
    let manifest = load_manifest(settings)?;
    for name in services {
        find_service(&manifest, name)?;
    }
    Ok(manifest)
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
    let staged = tempfile::Builder::new()
        .prefix(".stack-")
        .suffix(".yaml")
        .tempfile_in(dir)
        .map_err(io_error("write a file in", dir))?;
    std::fs::write(staged.path(), text).map_err(io_error("write", staged.path()))?;
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
            .map_err(io_error("set the permissions of", staged.path()))?;
    }
    Ok(staged)
}

/// Turns an I/O failure of `action` on `path` into stack's error, for `map_err`.
pub(crate) fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
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
