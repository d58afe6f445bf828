//! Choosing a language version: the manifest's pin, then the project's own version
//! files in the language's order, then stack's pinned default.

use std::path::Path;

use crate::manifest::service::Service;

/// One place a version may come from, and what it said.
pub(crate) struct Version {
    pub(crate) source: String,
    pub(crate) value: Option<String>,
}

impl Version {
    /// A version read from `dir/name` by `parse`; nothing when the file is missing.
    pub(crate) fn file(dir: &Path, name: &str, parse: impl Fn(&str) -> Option<String>) -> Version {
        Version {
            source: name.to_string(),
            value: std::fs::read_to_string(dir.join(name))
                .ok()
                .and_then(|text| parse(text.trim())),
        }
    }

    /// A version found elsewhere, described by `source`.
    pub(crate) fn from(source: &str, value: Option<String>) -> Version {
        Version {
            source: source.to_string(),
            value,
        }
    }
}

/// (version, where it came from).
pub(crate) fn pick(service: &Service, candidates: &[Version], default: &str) -> (String, String) {
    if let Some(pin) = &service.version {
        return (pin.clone(), "stack.yaml".to_string());
    }
    candidates
        .iter()
        .find_map(|c| Some((c.value.clone()?, c.source.clone())))
        .unwrap_or_else(|| (default.to_string(), "default".to_string()))
}
