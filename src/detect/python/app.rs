//! What a Python service runs: its framework, and the start command that serves its app
//! (the WSGI/ASGI object found in the usual modules) or runs its script.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::language::Framework;
use crate::detect::python::project::{Project, read_optional};
use crate::manifest::service::Service;

/// Servers stack installs when a framework's app needs one the project does not list.
/// Pinned to releases that still support every Python a bookworm image exists for.
const GUNICORN: &str = "gunicorn==23.0.0";
const UVICORN: &str = "uvicorn==0.32.1";

/// Modules a Flask or FastAPI app is looked for in, in order; `src/<package>/` follows.
const APP_MODULES: &[&str] = &[
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
];

/// Scripts a service without a framework is started with, in order.
const SCRIPTS: [&str; 4] = ["main.py", "app.py", "server.py", "run.py"];

static DJANGO_SETTINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)\.settings"#)
        .expect("a valid pattern")
});
static FACTORY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^def (create_app)\(").expect("a valid pattern"));

/// The framework manage.py or the dependencies name.
pub(super) fn framework(project: &Project<'_>, dependencies: &[String]) -> Option<Framework> {
    let depends_on = |name: &str| dependencies.iter().any(|d| d == name);
    if project.has("manage.py") || depends_on("django") {
        Some(Framework::Django)
    } else if depends_on("fastapi") {
        Some(Framework::FastApi)
    } else if depends_on("flask") {
        Some(Framework::Flask)
    } else {
        None
    }
}

/// The port a framework's server listens on by convention.
pub(super) fn default_port(framework: Option<Framework>) -> u16 {
    match framework {
        Some(Framework::Flask) => 5000,
        Some(Framework::FastApi | Framework::Django | Framework::Express) | None => 8000,
    }
}

/// The start command, and the server stack installs because the dependencies lack it.
pub(super) fn start(
    service: &Service,
    project: &Project<'_>,
    framework: Option<Framework>,
    port: u16,
    dependencies: &[String],
) -> Result<(Vec<String>, Option<&'static str>), DetectError> {
    let lacks = |name: &str| !dependencies.iter().any(|d| d == name);
    let bind = format!("0.0.0.0:{port}");
    let dir = project.dir;
    match framework {
        Some(Framework::Django) => {
            let wsgi = django_wsgi(service, dir)?;
            let start = vec![
                "gunicorn".into(),
                "--bind".into(),
                bind,
                format!("{wsgi}:application"),
            ];
            Ok((start, lacks("gunicorn").then_some(GUNICORN)))
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
            Ok((start, lacks("uvicorn").then_some(UVICORN)))
        }
        Some(Framework::Flask) => {
            let app = find_app(service, dir, "Flask")?;
            let mut start = vec!["gunicorn".to_string(), "--bind".into(), bind];
            if let Some(src) = app.path {
                start.extend(["--pythonpath".to_string(), src]);
            }
            start.push(app.target);
            Ok((start, lacks("gunicorn").then_some(GUNICORN)))
        }
        Some(Framework::Express) => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "framework `express` is not a Python framework".to_string(),
            hint: Some("use flask, fastapi or django, or remove `framework:`".to_string()),
        }),
        None => {
            let script = SCRIPTS
                .into_iter()
                .find(|name| project.has(name))
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: "a Python project without a known framework or entry point".to_string(),
                    hint: Some("looked for flask, fastapi or django in the dependencies and for main.py, app.py, server.py or run.py; set `command:` to start it".to_string()),
                })?;
            Ok((vec!["python".into(), script.into()], None))
        }
    }
}

/// The WSGI module of a Django project, from manage.py and the packages next to it.
fn django_wsgi(service: &Service, dir: &Path) -> Result<String, DetectError> {
    let manage = read_optional(service, dir, "manage.py")?.unwrap_or_default();
    wsgi_module(dir, &manage).ok_or_else(|| DetectError::Invalid {
        service: service.name.clone(),
        message: "a Django project, but there is no <project>/wsgi.py next to manage.py"
            .to_string(),
        hint: Some(
            "set `command:` to the server to run, e.g. `gunicorn --bind 0.0.0.0:8000 mysite.wsgi:application`"
                .to_string(),
        ),
    })
}

/// `<package>.wsgi` for a Django project: the settings package manage.py names, else the
/// first directory next to manage.py that has a wsgi.py.
fn wsgi_module(dir: &Path, manage: &str) -> Option<String> {
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
    let candidates = app_candidates(dir);
    candidates
        .iter()
        .find_map(|candidate| {
            let text = std::fs::read_to_string(dir.join(candidate)).ok()?;
            app_in(candidate, &text, &assignment, class)
        })
        .ok_or_else(|| DetectError::Invalid {
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

/// The modules an app may be in: the usual ones, then each package's under `src/`.
fn app_candidates(dir: &Path) -> Vec<String> {
    let mut candidates: Vec<String> = APP_MODULES.iter().map(|s| s.to_string()).collect();
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
    candidates
}

/// The app `candidate` (its source `text`) creates: an assignment matching `assignment`,
/// or for Flask a `create_app` factory.
fn app_in(candidate: &str, text: &str, assignment: &Regex, class: &str) -> Option<App> {
    let (path, relative) = match candidate.strip_prefix("src/") {
        Some(rest) => (Some("src".to_string()), rest),
        None => (None, candidate),
    };
    let module = relative
        .trim_end_matches(".py")
        .trim_end_matches("/__init__")
        .replace('/', ".");
    if let Some(c) = assignment.captures(text) {
        return Some(App {
            target: format!("{module}:{}", &c[1]),
            path,
        });
    }
    (class == "Flask" && FACTORY.is_match(text)).then(|| App {
        target: format!("{module}:create_app()"),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::wsgi_module;

    #[test]
    fn django_finds_the_wsgi_module_of_its_settings_package() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let manage =
            r#"os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")"#;
        assert_eq!(wsgi_module(dir.path(), manage), None);
        std::fs::create_dir(dir.path().join("portal")).expect("mkdir");
        std::fs::write(dir.path().join("portal/wsgi.py"), "").expect("write");
        assert_eq!(
            wsgi_module(dir.path(), manage).as_deref(),
            Some("portal.wsgi")
        );
        std::fs::create_dir(dir.path().join("config")).expect("mkdir");
        std::fs::write(dir.path().join("config/wsgi.py"), "").expect("write");
        assert_eq!(
            wsgi_module(dir.path(), manage).as_deref(),
            Some("config.wsgi")
        );
    }
}
