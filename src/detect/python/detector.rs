//! Python's row in `DETECTORS` and the steps from a service directory to its `Detection`:
//! the project's files, how its dependencies install, its framework and start command,
//! its version.

use std::path::Path;

use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::language::{Framework, Language};
use crate::detect::listen;
use crate::detect::python::app;
use crate::detect::python::manager::{self, Manager};
use crate::detect::python::native::{self, Native};
use crate::detect::python::project::Project;
use crate::detect::python::version::{DEFAULT_VERSION, version};
use crate::detect::source;
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
const LOOKED_FOR: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "Pipfile",
    "manage.py",
];

/// Python's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Python,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

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
    /// Native parts the package compiles when installed: their compilers, build stage only.
    pub(crate) native: Option<Native>,
    /// A server the start command needs that the dependencies do not list.
    pub(crate) server: Option<&'static str>,
    /// The start command with the framework's reloader on, for `stack watch`; `None` for
    /// an installed package (watch rebuilds it) and for what has no reloader.
    pub(crate) dev: Option<Vec<String>>,
}

fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file())
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let project = Project::read(service, dir)?;
    let manager = Manager::of(service, &project)?;
    let installable = manager::installable(&project);
    let (dependency_files, requirements_need_source) = manager.dependency_files(&project);
    let project_dependencies = manager::project_dependencies(&project, manager, installable);

    let dependencies = project.dependency_names();
    let preferred: Vec<String> = app::PREFERRED.iter().map(|p| p.to_string()).collect();
    let sources = source::read(dir, &["py"], &preferred);
    let framework = Framework::pinned(service.framework).unwrap_or_else(|| {
        app::framework(
            &project,
            &sources,
            &project.direct_dependency_names(),
            &dependencies,
        )
    });
    let (version, version_source) = version(service, &project);
    let mut entry = app::entry(service, &project, &sources, framework, installable)?;
    if installable {
        // The package is installed: import it from the virtualenv (with its compiled
        // parts), not from the source tree.
        entry.installed();
    }
    let listen = app::listen(&sources, &entry);
    let port = listen::choose(service, listen.as_ref(), app::default_port(framework));
    let http = app::speaks_http(framework, &sources, listen.as_ref());
    let bound = service.port.or(port.default);
    let dev = app::dev(&entry, framework, bound.unwrap_or(8000)).filter(|_| !installable);
    let (start, server) = app::start(entry, bound.unwrap_or(8000), &dependencies);
    Ok(Detection::new(
        Language::Python,
        framework,
        (version, version_source),
        start,
        port,
        http,
        Details::Python(Python {
            manager,
            tools: manager.tools(),
            dependency_files,
            requirements_need_source,
            project_dependencies,
            installable,
            native: native::native(&project, installable),
            server,
            dev,
        }),
    ))
}
