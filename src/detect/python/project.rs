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

    /// The names the project asks for itself, not what they pulled in: requirements.in
    /// when pip-compile's input is there; else requirements.txt without the pins its
    /// `# via` notes say another package brought (a load generator that pins flask for
    /// locust is not a Flask app); then pyproject.toml's.
    pub(super) fn direct_dependency_names(&self) -> Vec<String> {
        let direct = match std::fs::read_to_string(self.dir.join("requirements.in")) {
            Ok(input) => requirement_names(input.lines()),
            Err(_) => requirement_names(direct_lines(
                self.requirements.as_deref().unwrap_or_default(),
            )),
        };
        let mut names = direct;
        names.extend(self.pyproject_dependency_names());
        names
    }

    /// Lowercased distribution names from requirements.txt and pyproject.toml.
    pub(super) fn dependency_names(&self) -> Vec<String> {
        let mut names = requirement_names(self.requirements.as_deref().unwrap_or_default().lines());
        names.extend(self.pyproject_dependency_names());
        names
    }

    fn pyproject_dependency_names(&self) -> Vec<String> {
        let mut specs: Vec<String> = Vec::new();
        if let Some(deps) = self
            .table(&["project"])
            .and_then(|p| p.get("dependencies")?.as_array())
        {
            specs.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_string)));
        }
        if let Some(deps) = self.table(&["tool", "poetry", "dependencies"]) {
            specs.extend(deps.keys().cloned());
        }
        requirement_names(specs.iter().map(String::as_str))
    }
}

/// Distribution names of requirement lines, lowercased, `_` as `-`; options and comments
/// are not requirements.
fn requirement_names<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    lines
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty() && !line.starts_with('-'))
        .filter_map(|spec| REQUIREMENT_NAME.captures(spec))
        .map(|c| c[1].to_lowercase().replace('_', "-"))
        .collect()
}

/// The requirement lines of a compiled requirements.txt that the project asked for: a pin
/// whose `# via` notes name only other packages came in with them.
fn direct_lines(text: &str) -> impl Iterator<Item = &str> {
    let lines: Vec<&str> = text.lines().collect();
    let mut direct = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let spec = line.split('#').next().unwrap_or_default().trim();
        if spec.is_empty() || spec.starts_with('-') || line.starts_with(char::is_whitespace) {
            continue;
        }
        // `flask==2.0  # via locust` on one line, or the comment lines under it.
        let mut via: Vec<String> = Vec::new();
        if let Some((_, note)) = line.split_once("# via") {
            via.extend(note.split(',').map(|v| v.trim().to_string()));
        }
        for note in lines[index + 1..]
            .iter()
            .take_while(|l| l.trim_start().starts_with('#') && l.starts_with(char::is_whitespace))
        {
            let note = note.trim_start().trim_start_matches('#').trim();
            let note = note.strip_prefix("via").unwrap_or(note).trim();
            via.extend(note.split(',').map(|v| v.trim().to_string()));
        }
        via.retain(|v| !v.is_empty());
        let brought_by_others = !via.is_empty() && via.iter().all(|v| !v.starts_with('-'));
        if !brought_by_others {
            direct.push(*line);
        }
    }
    direct.into_iter()
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
    fn pins_that_other_packages_brought_are_not_direct() {
        let compiled = "\
#
# pip-compile requirements.in
#
brotli==1.1.0
    # via geventhttpclient
flask==3.0.3
    # via
    #   flask-cors
    #   locust
locust==2.31.5
    # via -r requirements.in
requests==2.32.3  # via locust
zope-interface==7.0.3
    # via
    #   -r requirements.in
    #   gevent
";
        let project = Project {
            dir: Path::new("/nonexistent"),
            pyproject: None,
            requirements: Some(compiled.to_string()),
        };
        assert_eq!(
            project.direct_dependency_names(),
            ["locust", "zope-interface"]
        );
        assert!(project.dependency_names().contains(&"flask".to_string()));
    }

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
