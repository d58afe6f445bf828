//! A Python project's own description: pyproject.toml, requirements.txt and the files next
//! to them, read once for every step of detection.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::manifest::service::Service;

static REQUIREMENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)").expect("a valid pattern"));

/// The service directory and the files that describe the project in it.
pub(super) struct Project<'d> {
    pub(super) dir: &'d Path,
    pub(super) pyproject: Option<toml::Table>,
    pub(super) requirements: Option<String>,
}

impl<'d> Project<'d> {
    /// Reads pyproject.toml and requirements.txt when they exist.
    pub(super) fn read(service: &Service, dir: &'d Path) -> Result<Project<'d>, DetectError> {
        let pyproject = match read_optional(service, dir, "pyproject.toml")? {
            Some(text) => {
                Some(
                    text.parse()
                        .map_err(|e: toml::de::Error| DetectError::Invalid {
                            service: service.name.clone(),
                            message: format!("pyproject.toml is not valid TOML: {}", e.message()),
                            hint: None,
                        })?,
                )
            }
            None => None,
        };
        let requirements = read_optional(service, dir, "requirements.txt")?;
        Ok(Project {
            dir,
            pyproject,
            requirements,
        })
    }

    /// Whether the service directory has the file `name`.
    pub(super) fn has(&self, name: &str) -> bool {
        self.dir.join(name).is_file()
    }

    /// The table at `path` in pyproject.toml, such as `["tool", "poetry"]`.
    pub(super) fn table(&self, path: &[&str]) -> Option<&toml::Table> {
        path.iter()
            .try_fold(self.pyproject.as_ref()?, |table, key| {
                table.get(*key)?.as_table()
            })
    }

    /// Lowercased distribution names from requirements.txt and pyproject.toml.
    pub(super) fn dependency_names(&self) -> Vec<String> {
        let mut specs: Vec<String> = self
            .requirements
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(|line| {
                line.split('#')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .filter(|line| !line.is_empty() && !line.starts_with('-'))
            .collect();
        if let Some(deps) = self
            .table(&["project"])
            .and_then(|p| p.get("dependencies")?.as_array())
        {
            specs.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_string)));
        }
        if let Some(deps) = self.table(&["tool", "poetry", "dependencies"]) {
            specs.extend(deps.keys().cloned());
        }
        specs
            .iter()
            .filter_map(|spec| REQUIREMENT_NAME.captures(spec))
            .map(|c| c[1].to_lowercase().replace('_', "-"))
            .collect()
    }
}

/// The text of `dir/name`, or `None` when there is no such file.
pub(super) fn read_optional(
    service: &Service,
    dir: &Path,
    name: &str,
) -> Result<Option<String>, DetectError> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(DetectError::Io {
            service: service.name.clone(),
            path,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Project;

    #[test]
    fn names_are_read_from_requirements() {
        let project = Project {
            dir: Path::new("."),
            pyproject: None,
            requirements: Some(
                "Flask==3.0 # web\n-r base.txt\ngunicorn>=22\nSQLAlchemy[asyncio]\n".to_string(),
            ),
        };
        assert_eq!(
            project.dependency_names(),
            ["flask", "gunicorn", "sqlalchemy"]
        );
    }
}
