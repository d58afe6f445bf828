//! How a Python project's dependencies get into the image: the package manager its files
//! call for, the files the dependency layer copies, and what the build stage installs.

use std::path::{Component, Path};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::error::DetectError;
use crate::detect::python::project::Project;
use crate::manifest::service::Service;

/// Tools installed in the build stage to read lockfiles. Poetry only exports its lockfile
/// (the export plugin is not bundled since Poetry 2) and pip installs the hashed result:
/// that works against any index serving the simple API, where `poetry install` needs
/// PyPI's JSON API too.
const UV: &str = "uv==0.13.9";
const POETRY: &str = "poetry==2.5.1";
const POETRY_EXPORT: &str = "poetry-plugin-export==1.10.1";

static INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:-r|-c|--requirement|--constraint)[\s=]*(\S+)").expect("a valid pattern")
});

/// How dependencies are installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Manager {
    /// `requirements.txt` with pip.
    Pip,
    /// `pyproject.toml` with `uv.lock`.
    Uv,
    /// `pyproject.toml` with `poetry.lock`.
    Poetry,
    /// A PEP 621 `pyproject.toml` (or `setup.py`) without a lockfile, installed with pip.
    Project,
}

impl Manager {
    /// The manager the project's lockfiles call for; an error when it cannot install
    /// exactly what was tested, or has nothing to install from.
    pub(super) fn of(service: &Service, project: &Project<'_>) -> Result<Manager, DetectError> {
        let manager = match (&project.pyproject, project.requirements.is_some()) {
            (Some(_), _) if project.has("uv.lock") => Manager::Uv,
            (Some(_), _)
                if project.has("poetry.lock") || project.table(&["tool", "poetry"]).is_some() =>
            {
                Manager::Poetry
            }
            (_, true) => Manager::Pip,
            (_, false) => Manager::Project,
        };
        if manager == Manager::Poetry && !project.has("poetry.lock") {
            return Err(DetectError::Invalid {
                service: service.name.clone(),
                message: "pyproject.toml uses poetry but there is no poetry.lock".to_string(),
                hint: Some(
                    "run `poetry lock` and commit poetry.lock, so builds install exactly what you tested"
                        .to_string(),
                ),
            });
        }
        if manager == Manager::Project && project.pyproject.is_none() && !project.has("setup.py") {
            return Err(DetectError::Invalid {
                service: service.name.clone(),
                message: "found no requirements.txt, pyproject.toml or setup.py to install from"
                    .to_string(),
                hint: Some(
                    "stack does not read Pipfile.lock: export it with `pipenv requirements > requirements.txt`"
                        .to_string(),
                ),
            });
        }
        Ok(manager)
    }

    /// Pinned tools the build stage installs to read the lockfile.
    pub(super) fn tools(self) -> Vec<&'static str> {
        match self {
            Manager::Uv => vec![UV],
            Manager::Poetry => vec![POETRY, POETRY_EXPORT],
            Manager::Pip | Manager::Project => Vec::new(),
        }
    }

    /// Files copied before the source so the dependency layer is cached, and whether
    /// requirements.txt installs the project's own files (which need the source first).
    pub(super) fn dependency_files(self, project: &Project<'_>) -> (Vec<String>, bool) {
        match self {
            Manager::Uv => (
                vec!["pyproject.toml".to_string(), "uv.lock".to_string()],
                false,
            ),
            Manager::Poetry => (
                vec!["pyproject.toml".to_string(), "poetry.lock".to_string()],
                false,
            ),
            Manager::Pip => {
                let mut files = vec!["requirements.txt".to_string()];
                let needs_source = requirement_includes(project.dir, &mut files);
                (files, needs_source)
            }
            Manager::Project => (Vec::new(), false),
        }
    }
}

/// The project itself is a package (a `[build-system]`, or `setup.py`), to be installed.
pub(super) fn installable(project: &Project<'_>) -> bool {
    // A `package-mode = false` poetry project or a `tool.uv.package = false` one keeps a
    // [build-system] table around but is not meant to be installed.
    let not_a_package = project
        .table(&["tool", "poetry"])
        .and_then(|p| p.get("package-mode")?.as_bool())
        == Some(false)
        || project
            .table(&["tool", "uv"])
            .and_then(|uv| uv.get("package")?.as_bool())
            == Some(false);
    project.has("setup.py")
        || (!not_a_package
            && project
                .pyproject
                .as_ref()
                .is_some_and(|p| p.contains_key("build-system")))
}

/// A PEP 621 project that is not a package: its `dependencies`, each quoted for the shell.
pub(super) fn project_dependencies(
    project: &Project<'_>,
    manager: Manager,
    installable: bool,
) -> Vec<String> {
    match (manager, installable) {
        (Manager::Project, false) => project
            .table(&["project"])
            .and_then(|p| p.get("dependencies")?.as_array())
            .map(|deps| {
                deps.iter()
                    .filter_map(|d| d.as_str())
                    .map(shell_quote)
                    .collect()
            })
            .unwrap_or_default(),
        (Manager::Project, true) | (Manager::Pip | Manager::Uv | Manager::Poetry, _) => Vec::new(),
    }
}

/// Adds the files `requirements.txt` includes (`-r`, `-c`, transitively) to `files`;
/// true when a line installs a local path, which needs the whole source.
fn requirement_includes(dir: &Path, files: &mut Vec<String>) -> bool {
    let mut needs_source = false;
    let mut next = 0;
    while next < files.len() {
        let file = files[next].clone();
        next += 1;
        let Ok(text) = std::fs::read_to_string(dir.join(&file)) else {
            continue;
        };
        let base = Path::new(&file).parent().unwrap_or(Path::new(""));
        for line in text
            .lines()
            .map(|l| l.split(" #").next().unwrap_or_default().trim())
        {
            if let Some(c) = INCLUDE.captures(line) {
                let included = normalise(&base.join(&c[1]));
                if !files.contains(&included) && dir.join(&included).is_file() {
                    files.push(included);
                }
            } else {
                let target = line
                    .strip_prefix("-e")
                    .or_else(|| line.strip_prefix("--editable"))
                    .unwrap_or(line)
                    .trim_start_matches([' ', '=']);
                if target.starts_with('.') || target.starts_with('/') || target.starts_with("file:")
                {
                    needs_source = true;
                }
            }
        }
    }
    needs_source
}

/// `requirements/../base.txt` -> `base.txt`, with `/` separators.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    parts.join("/")
}

/// A PEP 508 requirement as one double-quoted shell word. Markers use quotes but never
/// `$` or backquotes; escaping them too keeps an odd URL requirement literal.
fn shell_quote(spec: &str) -> String {
    let mut quoted = String::from("\"");
    for c in spec.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{normalise, shell_quote};

    #[test]
    fn requirements_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("redis>=5"), r#""redis>=5""#);
        assert_eq!(
            shell_quote(r#"tomli; python_version < "3.11""#),
            r#""tomli; python_version < \"3.11\"""#
        );
        assert_eq!(normalise(Path::new("requirements/../base.txt")), "base.txt");
    }
}
