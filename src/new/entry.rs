//! A new service's entry in stack.yaml: a name not taken yet, a port it can listen on, and
//! the fields written under it, added to the manifest as text.

use std::path::Path;

use crate::error::Error;
use crate::init::yaml::scalar;
use crate::manifest::edit::add_service;
use crate::manifest::project::Manifest;
use crate::manifest::validate::{is_service_name, suggested_label};

/// What `stack new service` writes about a service into stack.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    /// The service directory relative to the project, `/`-separated.
    pub(crate) path: String,
    pub(crate) port: u16,
    /// A version pinned with `--version`.
    pub(crate) version: Option<String>,
}

impl Entry {
    /// The manifest text `source` with this service added; `shown` names the file in
    /// messages.
    pub(crate) fn add_to(&self, source: &str, shown: &Path) -> Result<String, Error> {
        let fields = self.fields();
        add_service(source, &self.name, &fields).map_err(|error| {
            let entry: String = fields
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

    /// The keys written under the service and their YAML values.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("path", scalar(&self.path)),
            ("port", self.port.to_string()),
            ("health", "{ http: /healthz }".to_string()),
        ];
        if let Some(version) = &self.version {
            fields.push(("version", format!("\"{version}\"")));
        }
        fields
    }
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
