//! Python services: package manager by lockfile, framework by dependencies and files,
//! the WSGI/ASGI app by scanning the usual modules, the version by pin or version file.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::error::DetectError;
use crate::detect::version::{Version, pick};
use crate::language::{Framework, Language};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "manage.py",
];

/// The Python used when nothing pins one: a current release with a long support window.
pub const DEFAULT_VERSION: &str = "3.12";

/// Servers stack installs when a framework's app needs one the project does not list.
const GUNICORN: &str = "gunicorn==23.0.0";
const UVICORN: &str = "uvicorn==0.32.1";
/// Tools installed in the build stage to read lockfiles.
const UV: &str = "uv==0.13.9";
const POETRY: &str = "poetry==2.5.1";

/// How dependencies are installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    /// `requirements.txt` with pip.
    Pip,
    /// `pyproject.toml` with `uv.lock`.
    Uv,
    /// `pyproject.toml` with `poetry.lock`.
    Poetry,
    /// A PEP 621 `pyproject.toml` (or `setup.py`) without a lockfile, installed with pip.
    Project,
}

/// Facts about a Python service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Python {
    pub manager: Manager,
    /// The manager's version pin inside the build stage (uv, poetry), if it needs one.
    pub tool: Option<&'static str>,
    /// Files copied before the source so the dependency layer is cached.
    pub dependency_files: Vec<String>,
    /// The project itself is a package (a `[build-system]`, or `setup.py`): installed in
    /// the build stage, where native extensions compile with `build_packages`.
    pub installable: bool,
    /// A server the start command needs that the dependencies do not list.
    pub server: Option<&'static str>,
}

static REQUIREMENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)").expect("a valid pattern"));
static LOWEST_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:>=|~=|==|\^|~)?\s*(3\.\d+)").expect("a valid pattern"));
static DJANGO_SETTINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)\.settings"#)
        .expect("a valid pattern")
});

pub fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file())
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let read = |name: &str| read_optional(service, dir, name);
    let pyproject_text = read("pyproject.toml")?;
    let pyproject: Option<toml::Table> = match &pyproject_text {
        Some(text) => Some(
            text.parse()
                .map_err(|e: toml::de::Error| DetectError::Invalid {
                    service: service.name.clone(),
                    message: format!("pyproject.toml is not valid TOML: {}", e.message()),
                    hint: None,
                })?,
        ),
        None => None,
    };
    let requirements = read("requirements.txt")?;
    let has = |name: &str| dir.join(name).is_file();

    let manager = match (&pyproject, requirements.is_some()) {
        (Some(_), _) if has("uv.lock") => Manager::Uv,
        (Some(p), _) if has("poetry.lock") || table(p, &["tool", "poetry"]).is_some() => {
            Manager::Poetry
        }
        (_, true) => Manager::Pip,
        _ => Manager::Project,
    };
    let dependency_files = match manager {
        Manager::Uv => vec!["pyproject.toml".to_string(), "uv.lock".to_string()],
        Manager::Poetry if has("poetry.lock") => {
            vec!["pyproject.toml".to_string(), "poetry.lock".to_string()]
        }
        Manager::Poetry => vec!["pyproject.toml".to_string()],
        Manager::Pip => vec!["requirements.txt".to_string()],
        Manager::Project => Vec::new(),
    };
    let installable = has("setup.py")
        || pyproject
            .as_ref()
            .is_some_and(|p| p.contains_key("build-system"));
    if manager == Manager::Poetry && !has("poetry.lock") {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "pyproject.toml uses poetry but there is no poetry.lock".to_string(),
            hint: Some("run `poetry lock` and commit poetry.lock, so builds install exactly what you tested".to_string()),
        });
    }

    let dependencies = dependency_names(pyproject.as_ref(), requirements.as_deref());
    let depends_on = |name: &str| dependencies.iter().any(|d| d == name);
    let framework = service.framework.or_else(|| {
        if has("manage.py") || depends_on("django") {
            Some(Framework::Django)
        } else if depends_on("fastapi") {
            Some(Framework::FastApi)
        } else if depends_on("flask") {
            Some(Framework::Flask)
        } else {
            None
        }
    });

    let (version, version_source) = pick(
        service,
        &[
            Version::file(dir, ".python-version", |text| {
                first_minor(text.lines().next()?)
            }),
            Version::from(
                "requires-python in pyproject.toml",
                pyproject
                    .as_ref()
                    .and_then(|p| {
                        table(p, &["project"])?
                            .get("requires-python")?
                            .as_str()
                            .map(str::to_string)
                    })
                    .or_else(|| {
                        pyproject.as_ref().and_then(|p| {
                            table(p, &["tool", "poetry", "dependencies"])?
                                .get("python")?
                                .as_str()
                                .map(str::to_string)
                        })
                    })
                    .and_then(|spec| first_minor(&spec)),
            ),
        ],
        DEFAULT_VERSION,
    );

    let port = service.port.unwrap_or(match framework {
        Some(Framework::Flask) => 5000,
        _ => 8000,
    });
    let bind = format!("0.0.0.0:{port}");
    let (start, server) = match framework {
        Some(Framework::Django) => {
            let settings = read("manage.py")?
                .and_then(|text| DJANGO_SETTINGS.captures(&text).map(|c| c[1].to_string()))
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: "a Django project, but manage.py does not name DJANGO_SETTINGS_MODULE".to_string(),
                    hint: Some("set `command:` to the server to run, e.g. `gunicorn --bind 0.0.0.0:8000 mysite.wsgi:application`".to_string()),
                })?;
            (
                vec![
                    "gunicorn".into(),
                    "--bind".into(),
                    bind,
                    format!("{settings}.wsgi:application"),
                ],
                (!depends_on("gunicorn")).then_some(GUNICORN),
            )
        }
        Some(Framework::FastApi) => {
            let app = find_app(service, dir, "FastAPI")?;
            (
                vec![
                    "uvicorn".into(),
                    app,
                    "--host".into(),
                    "0.0.0.0".into(),
                    "--port".into(),
                    port.to_string(),
                ],
                (!depends_on("uvicorn")).then_some(UVICORN),
            )
        }
        Some(Framework::Flask) => {
            let app = find_app(service, dir, "Flask")?;
            (
                vec!["gunicorn".into(), "--bind".into(), bind, app],
                (!depends_on("gunicorn")).then_some(GUNICORN),
            )
        }
        Some(Framework::Express) => {
            return Err(DetectError::Invalid {
                service: service.name.clone(),
                message: "framework `express` is not a Python framework".to_string(),
                hint: Some("use flask, fastapi or django, or remove `framework:`".to_string()),
            });
        }
        None => {
            let script = ["main.py", "app.py", "server.py", "run.py"]
                .into_iter()
                .find(|name| has(name))
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: "a Python project without a known framework or entry point".to_string(),
                    hint: Some("looked for flask, fastapi or django in the dependencies and for main.py, app.py, server.py or run.py; set `command:` to start it".to_string()),
                })?;
            (vec!["python".into(), script.into()], None)
        }
    };
    Ok(Detection {
        language: Language::Python,
        framework,
        version,
        version_source,
        start,
        default_port: Some(port),
        details: Details::Python(Python {
            manager,
            tool: match manager {
                Manager::Uv => Some(UV),
                Manager::Poetry => Some(POETRY),
                Manager::Pip | Manager::Project => None,
            },
            dependency_files,
            installable,
            server,
        }),
    })
}

fn read_optional(service: &Service, dir: &Path, name: &str) -> Result<Option<String>, DetectError> {
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

fn table<'t>(root: &'t toml::Table, path: &[&str]) -> Option<&'t toml::Table> {
    path.iter()
        .try_fold(root, |table, key| table.get(*key)?.as_table())
}

/// Lowercased distribution names from requirements.txt and pyproject.toml.
fn dependency_names(pyproject: Option<&toml::Table>, requirements: Option<&str>) -> Vec<String> {
    let mut specs: Vec<String> = requirements
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
    if let Some(pyproject) = pyproject {
        if let Some(deps) =
            table(pyproject, &["project"]).and_then(|p| p.get("dependencies")?.as_array())
        {
            specs.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_string)));
        }
        if let Some(deps) = table(pyproject, &["tool", "poetry", "dependencies"]) {
            specs.extend(deps.keys().cloned());
        }
    }
    specs
        .iter()
        .filter_map(|spec| REQUIREMENT_NAME.captures(spec))
        .map(|c| c[1].to_lowercase().replace('_', "-"))
        .collect()
}

/// `3.11` from `3.11.4`, `>=3.11,<4`, `^3.11`.
fn first_minor(spec: &str) -> Option<String> {
    LOWEST_VERSION.captures(spec).map(|c| c[1].to_string())
}

/// `module:app` for the first candidate module that creates the framework's app object;
/// a Flask `create_app` factory is called.
fn find_app(service: &Service, dir: &Path, class: &str) -> Result<String, DetectError> {
    let assignment = Regex::new(&format!(
        r"(?m)^([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*{class}\("
    ))
    .expect("a valid pattern");
    let factory = Regex::new(r"(?m)^def (create_app)\(").expect("a valid pattern");
    let mut candidates: Vec<String> = [
        "main.py",
        "app.py",
        "server.py",
        "wsgi.py",
        "asgi.py",
        "api.py",
        "app/main.py",
        "app/__init__.py",
        "app/app.py",
        "src/main.py",
        "src/app.py",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // src layout: src/<package>/main.py and friends.
    if let Ok(entries) = std::fs::read_dir(dir.join("src")) {
        let mut packages: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        packages.sort();
        for package in packages {
            for file in ["main.py", "app.py", "__init__.py"] {
                candidates.push(format!("src/{package}/{file}"));
            }
        }
    }
    for candidate in &candidates {
        let Ok(text) = std::fs::read_to_string(dir.join(candidate)) else {
            continue;
        };
        let module = candidate
            .trim_start_matches("src/")
            .trim_end_matches(".py")
            .trim_end_matches("/__init__")
            .replace('/', ".");
        if let Some(c) = assignment.captures(&text) {
            return Ok(format!("{module}:{}", &c[1]));
        }
        if class == "Flask" && factory.is_match(&text) {
            return Ok(format!("{module}:create_app()"));
        }
    }
    Err(DetectError::Invalid {
        service: service.name.clone(),
        message: format!(
            "cannot find the {class} app: no `app = {class}(...)` in {}",
            candidates.join(", ")
        ),
        hint: Some(format!(
            "set `command:` to the server command, e.g. `{}`",
            if class == "Flask" {
                "gunicorn --bind 0.0.0.0:5000 mypkg.web:app"
            } else {
                "uvicorn mypkg.api:app --host 0.0.0.0 --port 8000"
            }
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::{dependency_names, first_minor};

    #[test]
    fn versions_and_names_are_read_from_specifiers() {
        assert_eq!(first_minor(">=3.11,<4").as_deref(), Some("3.11"));
        assert_eq!(first_minor("^3.10").as_deref(), Some("3.10"));
        assert_eq!(first_minor("3.12.4").as_deref(), Some("3.12"));
        let names = dependency_names(
            None,
            Some("Flask==3.0 # web\n-r base.txt\ngunicorn>=22\nSQLAlchemy[asyncio]\n"),
        );
        assert_eq!(names, ["flask", "gunicorn", "sqlalchemy"]);
    }
}
