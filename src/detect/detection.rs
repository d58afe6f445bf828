//! What detection found about a service directory, and choosing the detector that finds it.

use std::path::Path;

use serde::Serialize;

use crate::detect::detector::{DETECTORS, Detector};
use crate::detect::error::DetectError;
use crate::detect::language::{Framework, Language};
use crate::detect::listen::PortChoice;
use crate::detect::{go, java, node, python, rust};
use crate::manifest::service::Service;

/// Everything the Dockerfile templates need to know about a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Detection {
    pub(crate) language: Language,
    pub(crate) framework: Option<Framework>,
    /// Runtime version used for the base image tag: "3.12", "22", "1.23", "1.85", "21".
    pub(crate) version: String,
    /// Where the version came from, for `stack plan` and messages: "stack.yaml",
    /// ".python-version", "default".
    pub(crate) version_source: String,
    /// The start command (exec form) written as the image's CMD.
    pub(crate) start: Vec<String>,
    /// The port the app listens on by default when the manifest gives none.
    pub(crate) default_port: Option<u16>,
    /// Where that port came from, for `stack dockerfile`'s header: "`app.listen(PORT)` in
    /// server.js:12", "Flask's default".
    pub(crate) port_source: String,
    /// A variable other than `PORT` the app reads its port from (`LISTEN_PORT`): the image
    /// sets it to the service's port too.
    pub(crate) port_env: Option<String>,
    /// The app answers HTTP (a web framework, an HTTP server's listen call): its default
    /// health check is an HTTP request rather than a TCP connect.
    pub(crate) http: bool,
    /// What the user should know about the service (it binds 127.0.0.1), one line each.
    pub(crate) warnings: Vec<String>,
    /// Language-specific facts for that language's template.
    pub(crate) details: Details,
}

impl Detection {
    /// A detection whose port, its source and warnings come from `port`.
    pub(crate) fn new(
        language: Language,
        framework: Option<Framework>,
        (version, version_source): (String, String),
        start: Vec<String>,
        port: PortChoice,
        http: bool,
        details: Details,
    ) -> Detection {
        Detection {
            language,
            framework,
            version,
            version_source,
            start,
            default_port: port.default,
            port_source: port.source,
            port_env: port.env,
            http,
            warnings: port.warnings,
            details,
        }
    }
}

/// How a service runs under `stack watch`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dev {
    /// The app with a reloader on, which picks up the files watch copies into the
    /// container: `uvicorn --reload`, `node --watch`, a front end's dev server.
    pub(crate) command: Vec<String>,
    /// The Dockerfile stage to run it on instead of the runtime image, when that image
    /// cannot (a front end's dev server needs every dependency and the source: `deps`).
    pub(crate) target: Option<&'static str>,
}

/// The stage of a generated Node Dockerfile with every dependency and the source.
pub(crate) const DEPS_STAGE: &str = "deps";

impl Detection {
    /// How `stack watch` runs the service. `None` when the language compiles (watch
    /// rebuilds) or nothing in the image reloads (watch restarts the container).
    pub(crate) fn dev(&self) -> Option<Dev> {
        match &self.details {
            Details::Python(python) => python.dev.clone().map(|command| Dev {
                command,
                target: None,
            }),
            // A build step or a front end: the dev command (the `dev` script, the front
            // end's dev server) runs where the dev tools are.
            Details::Node(node) if node.build || node.frontend.is_some() => {
                node.dev.clone().map(|command| Dev {
                    command,
                    target: Some(DEPS_STAGE),
                })
            }
            Details::Node(node) => node.reloading(&self.start).map(|command| Dev {
                command,
                target: None,
            }),
            Details::Go(_) | Details::Rust(_) | Details::Java(_) => None,
        }
    }
}

/// Per-language facts; each variant's type lives in that language's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Details {
    Python(python::Python),
    Node(node::Node),
    Go(go::Go),
    Rust(rust::Rust),
    Java(java::Java),
}

/// Files and signals each detector looks for, listed when nothing matches.
pub(crate) fn looked_for() -> Vec<String> {
    DETECTORS
        .iter()
        .flat_map(|detector| detector.looked_for)
        .map(|signal| signal.to_string())
        .collect()
}

/// Languages stack has no template for, by the files that mark them: a service in one is
/// built from its own Dockerfile. PHP, Ruby and .NET apps often carry a package.json for
/// their assets, so these markers win over Node's.
const NO_TEMPLATE: &[(&str, &[&str])] = &[
    ("PHP", &["composer.json", "artisan", "index.php"]),
    ("Ruby", &["Gemfile", "config.ru"]),
    (".NET", &[".csproj", ".fsproj", ".vbproj", ".sln"]),
    ("Elixir", &["mix.exs"]),
    ("Scala", &["build.sbt"]),
    ("Dart", &["pubspec.yaml"]),
    ("Swift", &["Package.swift"]),
];

/// The language of `dir` by its files alone: the first detector in `DETECTORS` that matches.
pub(crate) fn sniff(dir: &Path) -> Option<Language> {
    let language = DETECTORS
        .iter()
        .find(|detector| (detector.matches)(dir))
        .map(|detector| detector.language);
    match language {
        Some(Language::Node) if without_template(dir).is_some() => None,
        language => language,
    }
}

/// The language stack has no template for that `dir` is written in (`PHP`), by its files;
/// a marker starting with `.` is a file extension (`.csproj`).
pub(crate) fn without_template(dir: &Path) -> Option<&'static str> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    NO_TEMPLATE
        .iter()
        .find(|(_, markers)| {
            markers.iter().any(|marker| {
                names.iter().any(|name| {
                    if marker.starts_with('.') {
                        name.ends_with(marker)
                    } else {
                        name == marker
                    }
                })
            })
        })
        .map(|(language, _)| *language)
}

/// Detects how to build `service`: the manifest's `language`/`framework` first, then the files.
pub(crate) fn detect(service: &Service) -> Result<Detection, DetectError> {
    let Some(dir) = service.build_dir() else {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "runs a ready-made image; there is nothing to detect".to_string(),
            hint: None,
        });
    };
    let language = service
        .language
        .or(service.framework.and_then(Framework::language))
        .or_else(|| sniff(dir));
    match (language, without_template(dir)) {
        (Some(language), _) => (Detector::of(language).detect)(service, dir),
        (None, Some(language)) => Err(DetectError::NoTemplate {
            service: service.name.clone(),
            language: language.to_string(),
        }),
        (None, None) => Err(DetectError::NothingFound {
            service: service.name.clone(),
            dir: dir.to_path_buf(),
            looked_for: looked_for(),
        }),
    }
}
