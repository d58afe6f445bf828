//! package.json, read once, and the questions detection asks it.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::manifest::service::Service;

static MAJOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+)").expect("a valid pattern"));

/// A parsed package.json.
pub(super) struct Package {
    json: serde_json::Value,
}

impl Package {
    /// package.json in `dir`.
    pub(super) fn read(service: &Service, dir: &Path) -> Result<Package, DetectError> {
        let path = dir.join("package.json");
        let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
            service: service.name.clone(),
            path: path.clone(),
            source,
        })?;
        let json = serde_json::from_str(&text).map_err(|e| DetectError::Invalid {
            service: service.name.clone(),
            message: format!("package.json is not valid JSON: {e}"),
            hint: None,
        })?;
        Ok(Package { json })
    }

    #[cfg(test)]
    pub(super) fn from_json(json: serde_json::Value) -> Package {
        Package { json }
    }

    /// The script called `name`.
    pub(super) fn script(&self, name: &str) -> Option<&str> {
        self.json.get("scripts")?.as_object()?.get(name)?.as_str()
    }

    /// The version range of `name` in `dependencies` or `devDependencies`.
    pub(super) fn dependency(&self, name: &str) -> Option<&str> {
        ["dependencies", "devDependencies"]
            .iter()
            .find_map(|section| {
                self.json
                    .get(section)
                    .and_then(|d| d.get(name))
                    .map(|v| v.as_str().unwrap_or("*"))
            })
    }

    /// The names in `dependencies` and `devDependencies`.
    pub(super) fn dependency_names(&self) -> impl Iterator<Item = &str> {
        ["dependencies", "devDependencies"]
            .into_iter()
            .filter_map(|section| self.json.get(section)?.as_object())
            .flat_map(|deps| deps.keys().map(String::as_str))
    }

    /// Whether `name` is in `dependencies` or `devDependencies`.
    pub(super) fn depends_on(&self, name: &str) -> bool {
        self.dependency(name).is_some()
    }

    /// Whether `name` is in `dependencies`: needed when the app runs.
    pub(super) fn needs_at_runtime(&self, name: &str) -> bool {
        self.json
            .get("dependencies")
            .and_then(|d| d.get(name))
            .is_some()
    }

    /// The major version `name`'s range starts at: `3` for `^3.12.0`.
    pub(super) fn major_of(&self, name: &str) -> Option<u32> {
        MAJOR.captures(self.dependency(name)?)?[1].parse().ok()
    }

    /// `main`.
    pub(super) fn main(&self) -> Option<&str> {
        self.json.get("main")?.as_str()
    }

    /// `engines.node`.
    pub(super) fn engines_node(&self) -> Option<&str> {
        self.json.get("engines")?.get("node")?.as_str()
    }

    /// `packageManager`, parsed by the manager.
    pub(super) fn json(&self) -> &serde_json::Value {
        &self.json
    }
}
