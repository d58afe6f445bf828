//! A new service's entry in stack.yaml: a name not taken yet, a port it can listen on, and
//! the fields written under it, added to the manifest as text.

use std::path::Path;

use crate::error::Error;
use crate::init::yaml::{check_value, scalar};
use crate::manifest::edit::add_service;
use crate::manifest::project::Manifest;
use crate::manifest::recipe::Recipe;
use crate::manifest::validate::{is_service_name, suggested_label};
use crate::manifest::volume::VolumeSource;

/// What `stack new service` writes about a service into stack.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    /// The keys written under the service and their YAML values, in order.
    fields: Vec<(&'static str, String)>,
}

impl Entry {
    /// A skeleton's entry: its directory (relative to the project, `/`-separated), port,
    /// health route, and the version pinned with `--version`.
    pub(crate) fn skeleton(name: String, path: &str, port: u16, version: Option<&str>) -> Entry {
        let mut fields = vec![
            ("path", scalar(path)),
            ("port", port.to_string()),
            ("health", "{ http: /healthz }".to_string()),
        ];
        if let Some(version) = version {
            fields.push(("version", format!("\"{version}\"")));
        }
        Entry { name, fields }
    }

    /// A recipe's entry: the image (with `tag`, or the pinned one), port, command, a
    /// development environment, a named volume for the data, and the check.
    pub(crate) fn recipe(name: String, recipe: &Recipe, tag: Option<&str>) -> Entry {
        let mut fields = vec![
            ("image", scalar(&recipe.image(tag))),
            ("port", recipe.port.to_string()),
        ];
        if let Some(command) = recipe.command {
            let words: Vec<String> = command.iter().map(|word| scalar(word)).collect();
            fields.push(("command", format!("[{}]", words.join(", "))));
        }
        let env: Vec<(&str, String)> = recipe
            .env
            .iter()
            .map(|(key, value)| (*key, Recipe::fill(value, &name)))
            .collect();
        if !env.is_empty() {
            let lines: Vec<String> = env
                .iter()
                .map(|(key, value)| format!("{key}: {}", scalar(value)))
                .collect();
            fields.push(("env", lines.join("\n")));
        }
        if let Some(data) = recipe.data(tag) {
            fields.push(("volumes", format!("[\"{}:{data}\"]", data_volume(&name))));
        }
        let var = |key: &str| {
            env.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| value.clone())
        };
        let check = recipe.check(var);
        fields.push((
            "health",
            format!("{{ {}: {} }}", check.key(), check_value(&check, var)),
        ));
        Entry { name, fields }
    }

    /// The manifest text `source` with this service added; `shown` names the file in
    /// messages.
    pub(crate) fn add_to(&self, source: &str, shown: &Path) -> Result<String, Error> {
        add_service(source, &self.name, &self.fields).map_err(|error| {
            let entry: String = self
                .fields
                .iter()
                .map(|(key, value)| format!("\n      {key}: {value}"))
                .collect();
            Error::Usage {
                message: format!("{}: {error}", shown.display()),
                hint: Some(format!(
                    "stack new adds to a block mapping only; rewrite `services:` one entry per line, or add this under it by hand:\n    {}:{entry}",
                    self.name
                )),
            }
        })
    }
}

/// The named volume a recipe's service keeps its data in.
pub(crate) fn data_volume(service: &str) -> String {
    format!("{service}-data")
}

/// A DNS label that is not yet a service of the manifest (`shown` in messages).
pub(crate) fn check_name(
    name: &str,
    manifest: Option<&Manifest>,
    shown: &Path,
) -> Result<(), Error> {
    if !is_service_name(name) {
        return Err(Error::Usage {
            message: format!("`{name}` is not a valid service name"),
            hint: Some(format!(
                "services reach each other by name, so it must be a DNS label: lowercase letters, digits and `-`, at most 63, e.g. `{}`",
                suggested_label(name)
            )),
        });
    }
    if let Some(existing) = manifest.and_then(|m| m.services.get(name)) {
        let names: Vec<&str> = manifest
            .map(|m| m.services.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(Error::Usage {
            message: format!(
                "{}:{}: service `{name}` already exists",
                shown.display(),
                existing.line
            ),
            hint: Some(format!(
                "choose another name; the services are {}",
                names.join(", ")
            )),
        });
    }
    Ok(())
}

/// A port a service can listen on.
pub(crate) fn check_port(port: u16) -> Result<(), Error> {
    if port == 0 {
        return Err(Error::Usage {
            message: "port 0 is not a port a service can listen on".to_string(),
            hint: Some("pick one from 1 to 65535".to_string()),
        });
    }
    Ok(())
}

/// An image tag for `--version` with `--recipe`: the engine's tag grammar.
pub(crate) fn check_tag(tag: &str) -> Result<(), Error> {
    let valid = tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        return Ok(());
    }
    Err(Error::Usage {
        message: format!("`{tag}` is not an image tag"),
        hint: Some(
            "with --recipe, --version is the image's tag: letters, digits, `.`, `_` and `-`, e.g. `15` or `7-alpine`"
                .to_string(),
        ),
    })
}

/// The data volume of a new recipe service, unless another service mounts a volume of that
/// name already: the two would share their data.
pub(crate) fn check_volume_free(
    name: &str,
    manifest: Option<&Manifest>,
    shown: &Path,
) -> Result<(), Error> {
    let volume = data_volume(name);
    let user = manifest.and_then(|manifest| {
        manifest.services.values().find(|service| {
            service
                .volumes
                .iter()
                .any(|v| v.source == VolumeSource::Named(volume.clone()))
        })
    });
    match user {
        Some(service) => Err(Error::Usage {
            message: format!(
                "{}:{}: service `{}` mounts a volume `{volume}` already",
                shown.display(),
                service.line,
                service.name
            ),
            hint: Some(format!(
                "the new service would share its data; choose another name than `{name}`"
            )),
        }),
        None => Ok(()),
    }
}
