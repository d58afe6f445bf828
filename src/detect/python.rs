//! Python services: package manager by lockfile, framework by dependencies and files,
//! the WSGI/ASGI app by scanning the usual modules, the version by pin or version file.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::language::{Framework, Language};
use crate::detect::version::{Version, pick};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
const LOOKED_FOR: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "Pipfile",
    "manage.py",
];

/// The Python used when nothing pins one: a current release with a long support window.
const DEFAULT_VERSION: &str = "3.12";

/// Python's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Python,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

/// Servers stack installs when a framework's app needs one the project does not list.
/// Pinned to releases that still support every Python a bookworm image exists for.
const GUNICORN: &str = "gunicorn==23.0.0";
const UVICORN: &str = "uvicorn==0.32.1";
/// Tools installed in the build stage to read lockfiles. Poetry only exports its lockfile
/// (the export plugin is not bundled since Poetry 2) and pip installs the hashed result:
/// that works against any index serving the simple API, where `poetry install` needs
/// PyPI's JSON API too.
const UV: &str = "uv==0.13.9";
const POETRY: &str = "poetry==2.5.1";
const POETRY_EXPORT: &str = "poetry-plugin-export==1.10.1";

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

/// Facts about a Python service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Python {
    pub(crate) manager: Manager,
    /// Pinned tools the build stage installs to read the lockfile (uv; poetry and its
    /// export plugin).
    pub(crate) tools: Vec<&'static str>,
    /// Files copied before the source so the dependency layer is cached, relative to the
    /// service directory (`-r` includes of requirements.txt too).
    pub(crate) dependency_files: Vec<String>,
    /// requirements.txt points at the project's own files (`-e .`, `./libs/x`), so the
    /// source is copied before it is installed.
    pub(crate) requirements_need_source: bool,
    /// A PEP 621 project that is not a package: its `dependencies`, each quoted for the
    /// shell, installed directly (the Docker cache keys on them).
    pub(crate) project_dependencies: Vec<String>,
    /// The project itself is a package (a `[build-system]`, or `setup.py`): installed in
    /// the build stage, where native extensions compile with `build_packages`.
    pub(crate) installable: bool,
    /// A server the start command needs that the dependencies do not list.
    pub(crate) server: Option<&'static str>,
}

static REQUIREMENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)").expect("a valid pattern"));
static MINOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+)\.(\d+)").expect("a valid pattern"));
static DJANGO_SETTINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)\.settings"#)
        .expect("a valid pattern")
});
static INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:-r|-c|--requirement|--constraint)[\s=]*(\S+)").expect("a valid pattern")
});
static FACTORY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^def (create_app)\(").expect("a valid pattern"));

fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file())
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let read = |name: &str| read_optional(service, dir, name);
    let pyproject: Option<toml::Table> = match read("pyproject.toml")? {
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

    let poetry = pyproject
        .as_ref()
        .and_then(|p| table(p, &["tool", "poetry"]));
    let manager = match (&pyproject, requirements.is_some()) {
        (Some(_), _) if has("uv.lock") => Manager::Uv,
        (Some(_), _) if has("poetry.lock") || poetry.is_some() => Manager::Poetry,
        (_, true) => Manager::Pip,
        _ => Manager::Project,
    };
    if manager == Manager::Poetry && !has("poetry.lock") {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "pyproject.toml uses poetry but there is no poetry.lock".to_string(),
            hint: Some(
                "run `poetry lock` and commit poetry.lock, so builds install exactly what you tested"
                    .to_string(),
            ),
        });
    }
    if manager == Manager::Project && pyproject.is_none() && !has("setup.py") {
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
    // A `package-mode = false` poetry project or a `tool.uv.package = false` one keeps a
    // [build-system] table around but is not meant to be installed.
    let not_a_package = poetry.and_then(|p| p.get("package-mode")?.as_bool()) == Some(false)
        || pyproject
            .as_ref()
            .and_then(|p| table(p, &["tool", "uv"])?.get("package")?.as_bool())
            == Some(false);
    let installable = has("setup.py")
        || (!not_a_package
            && pyproject
                .as_ref()
                .is_some_and(|p| p.contains_key("build-system")));

    let mut requirements_need_source = false;
    let dependency_files = match manager {
        Manager::Uv => vec!["pyproject.toml".to_string(), "uv.lock".to_string()],
        Manager::Poetry => vec!["pyproject.toml".to_string(), "poetry.lock".to_string()],
        Manager::Pip => {
            let mut files = vec!["requirements.txt".to_string()];
            requirements_need_source = requirement_includes(dir, &mut files);
            files
        }
        Manager::Project => Vec::new(),
    };
    let project_dependencies = match (manager, installable) {
        (Manager::Project, false) => pyproject
            .as_ref()
            .and_then(|p| table(p, &["project"])?.get("dependencies")?.as_array())
            .map(|deps| {
                deps.iter()
                    .filter_map(|d| d.as_str())
                    .map(shell_quote)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };

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
                lowest_minor(text.lines().next()?)
            }),
            Version::from(
                "requires-python in pyproject.toml",
                pyproject
                    .as_ref()
                    .and_then(|p| table(p, &["project"])?.get("requires-python")?.as_str())
                    .and_then(lowest_minor),
            ),
            Version::from(
                "tool.poetry.dependencies.python in pyproject.toml",
                poetry
                    .and_then(|p| table(p, &["dependencies"])?.get("python")?.as_str())
                    .and_then(lowest_minor),
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
            let manage = read("manage.py")?.unwrap_or_default();
            let wsgi = django_wsgi(dir, &manage).ok_or_else(|| DetectError::Invalid {
                service: service.name.clone(),
                message: "a Django project, but there is no <project>/wsgi.py next to manage.py"
                    .to_string(),
                hint: Some(
                    "set `command:` to the server to run, e.g. `gunicorn --bind 0.0.0.0:8000 mysite.wsgi:application`"
                        .to_string(),
                ),
            })?;
            (
                vec![
                    "gunicorn".into(),
                    "--bind".into(),
                    bind,
                    format!("{wsgi}:application"),
                ],
                (!depends_on("gunicorn")).then_some(GUNICORN),
            )
        }
        Some(Framework::FastApi) => {
            let app = find_app(service, dir, "FastAPI")?;
            let mut start = vec!["uvicorn".to_string(), app.target];
            if let Some(src) = app.path {
                start.extend(["--app-dir".to_string(), src]);
            }
            start.extend([
                "--host".into(),
                "0.0.0.0".into(),
                "--port".into(),
                port.to_string(),
            ]);
            (start, (!depends_on("uvicorn")).then_some(UVICORN))
        }
        Some(Framework::Flask) => {
            let app = find_app(service, dir, "Flask")?;
            let mut start = vec!["gunicorn".to_string(), "--bind".into(), bind];
            if let Some(src) = app.path {
                start.extend(["--pythonpath".to_string(), src]);
            }
            start.push(app.target);
            (start, (!depends_on("gunicorn")).then_some(GUNICORN))
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
        // A script without a web framework (a worker, a job) listens on nothing we know.
        default_port: framework.map(|_| port),
        details: Details::Python(Python {
            manager,
            tools: match manager {
                Manager::Uv => vec![UV],
                Manager::Poetry => vec![POETRY, POETRY_EXPORT],
                Manager::Pip | Manager::Project => Vec::new(),
            },
            dependency_files,
            requirements_need_source,
            project_dependencies,
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
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().to_string()),
            _ => {}
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

/// The lowest `X.Y` a version or specifier allows: `3.11` from `3.11.4`, `>=3.11,<4`,
/// `<3.13,>=3.10` (upper bounds and exclusions say nothing about the lowest), `^3.11`.
fn lowest_minor(spec: &str) -> Option<String> {
    spec.split([',', '|'])
        .map(str::trim)
        .filter(|clause| !clause.starts_with('<') && !clause.starts_with("!="))
        .filter_map(|clause| {
            let c = MINOR.captures(clause)?;
            Some((c[1].parse::<u32>().ok()?, c[2].parse::<u32>().ok()?))
        })
        .min()
        .map(|(major, minor)| format!("{major}.{minor}"))
}

/// `<package>.wsgi` for a Django project: the settings package manage.py names, else the
/// first directory next to manage.py that has a wsgi.py.
fn django_wsgi(dir: &Path, manage: &str) -> Option<String> {
    if let Some(c) = DJANGO_SETTINGS.captures(manage) {
        let package = c[1].to_string();
        if dir
            .join(package.replace('.', "/"))
            .join("wsgi.py")
            .is_file()
        {
            return Some(format!("{package}.wsgi"));
        }
    }
    let mut packages: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("wsgi.py").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    packages.sort();
    packages.first().map(|p| format!("{p}.wsgi"))
}

/// Where a Flask or FastAPI app object lives.
struct App {
    /// `module:app`, or `module:create_app()` for a Flask factory.
    target: String,
    /// The directory to import from when it is not the working directory (`src`).
    path: Option<String>,
}

/// The first candidate module that creates the framework's app object; a Flask
/// `create_app` factory is called.
fn find_app(service: &Service, dir: &Path, class: &str) -> Result<App, DetectError> {
    let assignment = Regex::new(&format!(
        r"(?m)^([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*(?:\w+\.)?{class}\("
    ))
    .expect("a valid pattern");
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
        let (path, relative) = match candidate.strip_prefix("src/") {
            Some(rest) => (Some("src".to_string()), rest),
            None => (None, candidate.as_str()),
        };
        let module = relative
            .trim_end_matches(".py")
            .trim_end_matches("/__init__")
            .replace('/', ".");
        if let Some(c) = assignment.captures(&text) {
            return Ok(App {
                target: format!("{module}:{}", &c[1]),
                path,
            });
        }
        if class == "Flask" && FACTORY.is_match(&text) {
            return Ok(App {
                target: format!("{module}:create_app()"),
                path,
            });
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
    use std::path::Path;

    use super::{dependency_names, django_wsgi, lowest_minor, normalise, shell_quote};

    #[test]
    fn the_lowest_allowed_minor_is_read_from_specifiers() {
        assert_eq!(lowest_minor(">=3.11").as_deref(), Some("3.11"));
        assert_eq!(lowest_minor(">=3.11,<4").as_deref(), Some("3.11"));
        assert_eq!(lowest_minor("<3.13,>=3.10").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("~=3.10, !=3.10.2").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("^3.10").as_deref(), Some("3.10"));
        assert_eq!(lowest_minor("3.12.4").as_deref(), Some("3.12"));
        assert_eq!(lowest_minor(">=3.9.2").as_deref(), Some("3.9"));
        assert_eq!(lowest_minor("pypy3").as_deref(), None);
        assert_eq!(lowest_minor("<3.13"), None);
    }

    #[test]
    fn names_are_read_from_requirements() {
        let names = dependency_names(
            None,
            Some("Flask==3.0 # web\n-r base.txt\ngunicorn>=22\nSQLAlchemy[asyncio]\n"),
        );
        assert_eq!(names, ["flask", "gunicorn", "sqlalchemy"]);
    }

    #[test]
    fn requirements_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("redis>=5"), r#""redis>=5""#);
        assert_eq!(
            shell_quote(r#"tomli; python_version < "3.11""#),
            r#""tomli; python_version < \"3.11\"""#
        );
        assert_eq!(normalise(Path::new("requirements/../base.txt")), "base.txt");
    }

    #[test]
    fn django_finds_the_wsgi_module_of_its_settings_package() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let manage =
            r#"os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")"#;
        assert_eq!(django_wsgi(dir.path(), manage), None);
        std::fs::create_dir(dir.path().join("portal")).expect("mkdir");
        std::fs::write(dir.path().join("portal/wsgi.py"), "").expect("write");
        assert_eq!(
            django_wsgi(dir.path(), manage).as_deref(),
            Some("portal.wsgi")
        );
        std::fs::create_dir(dir.path().join("config")).expect("mkdir");
        std::fs::write(dir.path().join("config/wsgi.py"), "").expect("write");
        assert_eq!(
            django_wsgi(dir.path(), manage).as_deref(),
            Some("config.wsgi")
        );
    }
}
