//! Shared glue: find and load the manifest the user meant, and look up a service in it.

use crate::error::Error;
use crate::manifest::load::load;
use crate::manifest::locate::{display_path, locate};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::settings::Settings;
use crate::suggest::did_you_mean;

/// The manifest for this invocation, validated.
pub fn load_manifest(settings: &Settings) -> Result<Manifest, Error> {
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
pub fn find_service<'m>(manifest: &'m Manifest, name: &str) -> Result<&'m Service, Error> {
    if let Some(service) = manifest.services.get(name) {
        return Ok(service);
    }
    let names = manifest.services.keys().map(String::as_str);
    Err(Error::Usage {
        message: format!("no service `{name}` in {}", manifest.file.display()),
        hint: Some(did_you_mean(name, names, "services are")),
    })
}
