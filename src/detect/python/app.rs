//! What a Python service runs: its framework (what its own code imports, among what it
//! depends on), and the start command: a server for its app object or factory, wherever
//! it is defined, or a script (`script.rs`), or the manifest's `command`.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::language::Framework;
use crate::detect::listen::{self, Arg, Call, Listen};
use crate::detect::python::project::{Project, read_optional};
use crate::detect::python::script;
use crate::detect::source::SourceFile;
use crate::manifest::service::Service;

/// Servers stack installs when a framework's app needs one the project does not list.
/// Pinned to releases that still support every Python a bookworm image exists for.
const GUNICORN: &str = "gunicorn==23.0.0";
const UVICORN: &str = "uvicorn==0.32.1";

/// Modules an app is looked for in first, in order; every other module follows.
pub(super) const PREFERRED: &[&str] = &[
    "wsgi.py",
    "asgi.py",
    "app.py",
    "main.py",
    "server.py",
    "application.py",
    "api.py",
    "run.py",
    "app/__init__.py",
    "app/main.py",
    "app/app.py",
    "src/main.py",
    "src/app.py",
];

/// Calls that start a server on a port: Flask's and uvicorn's `run`, aiohttp's `run_app`,
/// waitress's `serve`, gRPC's `add_insecure_port`, the standard library's servers.
const CALLS: &[Call] = &[
    Call {
        pattern: r"\.run\(",
        arg: Arg::Keyword,
    },
    Call {
        pattern: r"\brun_app\(",
        arg: Arg::Keyword,
    },
    Call {
        pattern: r"\bserve\(",
        arg: Arg::Keyword,
    },
    Call {
        pattern: r"\badd_(?:in)?secure_port\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bmake_server\(",
        arg: Arg::Second,
    },
    Call {
        pattern: r"\b(?:Threading)?(?:HTTP|TCP)Server\(",
        arg: Arg::First,
    },
];

static DJANGO_SETTINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)\.settings"#)
        .expect("a valid pattern")
});
/// A module-level `app.run(...)`: importing the module would start the development server.
static UNGUARDED_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\w+\.run\(").expect("a valid pattern"));
static DEF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(([^)]*)\)").expect("a valid pattern")
});
static GRPC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*(?:import|from)\s+grpc\b").expect("a valid pattern"));

/// Names application factories go by; `app = create_app()` at module level is an app.
const FACTORIES: &[&str] = &[
    "create_app",
    "make_app",
    "build_app",
    "get_app",
    "create_application",
    "app_factory",
];

/// The framework: `manage.py` or a django dependency, else fastapi or flask when the
/// project's own code imports it and the project depends on it. A framework that only its
/// dependencies use (flask pinned for locust) is not the service's; without any Python
/// file to read, the direct dependencies decide.
pub(super) fn framework(
    project: &Project<'_>,
    sources: &[SourceFile],
    direct: &[String],
    all: &[String],
) -> Option<Framework> {
    let depends_on = |names: &[String], name: &str| names.iter().any(|d| d == name);
    if project.has("manage.py") || depends_on(direct, "django") {
        return Some(Framework::Django);
    }
    [("fastapi", Framework::FastApi), ("flask", Framework::Flask)]
        .into_iter()
        .find(|(name, _)| {
            if sources.is_empty() {
                depends_on(direct, name)
            } else {
                depends_on(all, name) && imports(sources, name)
            }
        })
        .map(|(_, framework)| framework)
}

/// Whether any of `sources` imports `module`.
fn imports(sources: &[SourceFile], module: &str) -> bool {
    let pattern = Regex::new(&format!(r"(?m)^\s*(?:from|import)\s+{module}\b"))
        .expect("a module name makes a valid pattern");
    sources.iter().any(|file| pattern.is_match(&file.text))
}

/// The port a framework's server listens on by convention, and how to say so.
pub(super) fn default_port(framework: Option<Framework>) -> Option<(u16, String)> {
    match framework? {
        Framework::Flask => Some((5000, "Flask's default".to_string())),
        Framework::FastApi => Some((8000, "uvicorn's default".to_string())),
        Framework::Django => Some((8000, "Django's default".to_string())),
        // No framework, or another language's (rejected by `entry`).
        _ => None,
    }
}

/// What the service runs, before the port is known: the server's target, or a script.
pub(super) enum Entry {
    /// `gunicorn ... mysite.wsgi:application`.
    Wsgi(App),
    /// `uvicorn ...`; `factory` adds `--factory`.
    Asgi { app: App, factory: bool },
    /// `python script.py` or `python -m package.module`.
    Script { argv: Vec<String>, file: String },
    /// The manifest's `command`.
    Command(Vec<String>),
}

/// Where an app object lives.
pub(super) struct App {
    /// `module:app`, or `module:create_app()` for a Flask factory.
    target: String,
    /// The directory to import from when it is not the working directory (`src`).
    path: Option<String>,
    /// The file it is defined in, read first for the port.
    pub(super) file: String,
}

impl Entry {
    /// The app is imported from the installed package, not from the source tree: a `src/`
    /// layout's source has no compiled parts, and would shadow the installed package.
    pub(super) fn installed(&mut self) {
        if let Entry::Wsgi(app) | Entry::Asgi { app, .. } = self
            && app
                .file
                .strip_prefix("src/")
                .is_some_and(|inside| inside.contains('/'))
        {
            app.path = None;
        }
    }

    /// The file whose listen call decides the port.
    pub(super) fn file(&self) -> Option<&str> {
        match self {
            Entry::Wsgi(app) | Entry::Asgi { app, .. } => Some(&app.file),
            Entry::Script { file, .. } => Some(file),
            Entry::Command(_) => None,
        }
    }
}

/// What the service runs: the manifest's `command`, else its framework's app, else a script.
pub(super) fn entry(
    service: &Service,
    project: &Project<'_>,
    sources: &[SourceFile],
    framework: Option<Framework>,
    installable: bool,
) -> Result<Entry, DetectError> {
    if let Some(command) = &service.command {
        return Ok(Entry::Command(command.clone()));
    }
    match framework {
        Some(Framework::Django) => Ok(Entry::Wsgi(App {
            target: format!("{}:application", django_wsgi(service, project.dir)?),
            path: None,
            file: String::new(),
        })),
        Some(Framework::FastApi) => {
            let (app, factory) = find_app(service, sources, "FastAPI")?;
            Ok(Entry::Asgi { app, factory })
        }
        Some(Framework::Flask) => Ok(Entry::Wsgi(find_app(service, sources, "Flask")?.0)),
        Some(other) if other.language().is_some() => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!("framework `{}` is not a Python framework", other.name()),
            hint: Some("use flask, fastapi, django or none, or remove `framework:`".to_string()),
        }),
        Some(_) | None => match script::console_script(service, project, installable) {
            Some(entry) => Ok(entry),
            None => script::script(service, project, sources, installable),
        },
    }
}

/// The port the source gives, read from the entry's file first.
pub(super) fn listen(sources: &[SourceFile], entry: &Entry) -> Option<Listen> {
    let mut ordered: Vec<SourceFile> = sources.to_vec();
    if let Some(file) = entry.file() {
        ordered.sort_by_key(|f| f.path != file);
    }
    listen::find(&ordered, CALLS)
}

/// Whether the service answers HTTP: a web framework, or a script whose server is an HTTP
/// one (not gRPC's, not a bare TCP server).
pub(super) fn speaks_http(
    framework: Option<Framework>,
    sources: &[SourceFile],
    listen: Option<&Listen>,
) -> bool {
    match framework {
        Some(Framework::None) | None => {
            listen.is_some_and(|l| {
                ["HTTPServer(", ".run(", "run_app(", "serve(", "make_server("]
                    .iter()
                    .any(|call| l.call.contains(call))
            }) && !sources.iter().any(|f| GRPC.is_match(&f.text))
        }
        Some(_) => true,
    }
}

/// The start command with the framework's own reloader on, for `stack watch`: the
/// server restarts itself when watch syncs a changed file into the container. `None` when
/// nothing would reload (a script, the manifest's `command`): watch restarts the
/// container instead.
pub(super) fn dev(entry: &Entry, framework: Option<Framework>, port: u16) -> Option<Vec<String>> {
    let words = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let port = port.to_string();
    match (entry, framework) {
        (Entry::Asgi { app, factory }, _) => {
            let mut argv = words(&["uvicorn", &app.target]);
            if *factory {
                argv.push("--factory".to_string());
            }
            if let Some(src) = &app.path {
                argv.extend(words(&["--app-dir", src]));
            }
            // Checked every 0.1 s rather than 0.25: a saved file is served sooner, and
            // a stat of each module under /app ten times a second costs next to nothing.
            argv.extend(words(&[
                "--host",
                "0.0.0.0",
                "--port",
                &port,
                "--reload",
                "--reload-delay",
                "0.1",
            ]));
            Some(argv)
        }
        // Flask's debug mode (its reloader, and its PIN-protected debugger), set through
        // the variables every Flask since 1.0 reads rather than `--app`/`--debug` (2.2+).
        (Entry::Wsgi(app), Some(Framework::Flask)) => {
            let mut argv = words(&["env", &format!("FLASK_APP={}", app.target), "FLASK_DEBUG=1"]);
            if let Some(src) = &app.path {
                argv.push(format!("PYTHONPATH={src}"));
            }
            argv.extend(words(&[
                "flask", "run", "--host", "0.0.0.0", "--port", &port,
            ]));
            Some(argv)
        }
        (Entry::Wsgi(_), Some(Framework::Django)) => Some(words(&[
            "python",
            "manage.py",
            "runserver",
            &format!("0.0.0.0:{port}"),
        ])),
        _ => None,
    }
}

/// The start command for `entry` listening on `port`, and the server stack installs
/// because the dependencies lack it.
pub(super) fn start(
    entry: Entry,
    port: u16,
    dependencies: &[String],
) -> (Vec<String>, Option<&'static str>) {
    let lacks = |name: &str| !dependencies.iter().any(|d| d == name);
    let bind = format!("0.0.0.0:{port}");
    match entry {
        Entry::Wsgi(app) => {
            let mut start = vec!["gunicorn".to_string(), "--bind".into(), bind];
            if let Some(src) = app.path {
                start.extend(["--pythonpath".to_string(), src]);
            }
            start.push(app.target);
            (start, lacks("gunicorn").then_some(GUNICORN))
        }
        Entry::Asgi { app, factory } => {
            let mut start = vec!["uvicorn".to_string(), app.target];
            if factory {
                start.push("--factory".to_string());
            }
            if let Some(src) = app.path {
                start.extend(["--app-dir".to_string(), src]);
            }
            start.extend([
                "--host".into(),
                "0.0.0.0".into(),
                "--port".into(),
                port.to_string(),
            ]);
            (start, lacks("uvicorn").then_some(UVICORN))
        }
        Entry::Script { argv, .. } => (argv, None),
        Entry::Command(argv) => {
            let server = match argv.first().map(String::as_str) {
                Some("gunicorn") if lacks("gunicorn") => Some(GUNICORN),
                Some("uvicorn") if lacks("uvicorn") => Some(UVICORN),
                _ => None,
            };
            (argv, server)
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

/// The app the project's modules create, in `sources` order: a module-level
/// `NAME = Flask(...)` (any name, any module) or `NAME = create_app()`, else a factory
/// function that builds one. The flag says the target is a factory uvicorn must call.
fn find_app(
    service: &Service,
    sources: &[SourceFile],
    class: &str,
) -> Result<(App, bool), DetectError> {
    let object = Regex::new(&format!(
        r"(?m)^([A-Za-z_]\w*)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:[\w.]+\.)?(?:{class}|{})\(",
        FACTORIES.join("|")
    ))
    .expect("a valid pattern");
    let objects = sources.iter().find_map(|file| {
        // Importing a module that calls `app.run()` at its top level would start the
        // development server instead of returning the app.
        if UNGUARDED_RUN.is_match(&file.text) {
            return None;
        }
        let name = object.captures(&file.text)?[1].to_string();
        Some((app_in(&file.path, &name), false))
    });
    let factories = || {
        sources.iter().find_map(|file| {
            let name = factory_in(&file.text, class)?;
            let mut app = app_in(&file.path, &name);
            // gunicorn calls `module:create_app()`; uvicorn calls it with --factory.
            if class == "Flask" {
                app.target.push_str("()");
            }
            Some((app, class != "Flask"))
        })
    };
    objects.or_else(factories).ok_or_else(|| DetectError::Invalid {
        service: service.name.clone(),
        message: format!(
            "cannot find the {class} app: no module-level `app = {class}(...)` and no factory that returns one"
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

/// A module-level function that builds `class`'s app and can be called without arguments.
fn factory_in(text: &str, class: &str) -> Option<String> {
    let constructed = format!("{class}(");
    let defs: Vec<_> = DEF.captures_iter(text).collect();
    defs.iter()
        .filter(|c| {
            c[2].split(',')
                .map(str::trim)
                .all(|p| p.is_empty() || p.contains('=') || p.starts_with('*'))
        })
        .find_map(|c| {
            let start = c.get(0)?.end();
            // The body: up to the next line that starts at column 0 with code.
            let body_end = text[start..]
                .match_indices('\n')
                .map(|(i, _)| start + i + 1)
                .find(|&i| {
                    text[i..]
                        .chars()
                        .next()
                        .is_some_and(|ch| !ch.is_whitespace() && ch != '#' && ch != ')')
                })
                .unwrap_or(text.len());
            text[start..body_end]
                .contains(&constructed)
                .then(|| c[1].to_string())
        })
}

/// The app named `name` in the module at `path` (relative, `src/` layout understood).
fn app_in(path: &str, name: &str) -> App {
    let (import_path, relative) = match path.strip_prefix("src/") {
        Some(rest) => (Some("src".to_string()), rest),
        None => (None, path),
    };
    App {
        target: format!("{}:{name}", module_of(relative)),
        path: import_path,
        file: path.to_string(),
    }
}

/// `pkg.web` for `pkg/web.py`, `pkg` for `pkg/__init__.py`.
pub(super) fn module_of(relative: &str) -> String {
    relative
        .trim_end_matches(".py")
        .trim_end_matches("/__init__")
        .replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::{factory_in, wsgi_module};

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

    #[test]
    fn factories_build_the_app_and_take_no_required_arguments() {
        let text = "def helper(x):\n    return Flask(x)\n\ndef make(config=None):\n    app = Flask(__name__)\n    return app\n";
        assert_eq!(factory_in(text, "Flask").as_deref(), Some("make"));
        assert_eq!(
            factory_in(
                "def make():\n    return 1\n\napp = Flask(__name__)\n",
                "Flask"
            ),
            None
        );
    }
}
