//! Surveying a repository for `stack init`: the services its detectors recognise, the image
//! services of its compose file, named and wired into one `Draft`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::detection::{Detection, detect, sniff, without_template};
use crate::detect::error::DetectError;
use crate::detect::language::Language;
use crate::detect::{go, rust};
use crate::init::compose::{self, COMPOSE_HEALTHCHECK, Compose, ComposeService};
use crate::init::draft::{Draft, DraftService, Origin};
use crate::init::health;
use crate::init::name::Names;
use crate::init::walk::{Verdict, walk};
use crate::manifest::health::Check;
use crate::manifest::service::Service;

static EXPOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?mi)^\s*EXPOSE\s+(\d+)").expect("a valid pattern"));

/// What init found, and what it wants the user to know.
#[derive(Debug)]
pub(crate) struct Survey {
    pub(crate) draft: Draft,
    /// The compose file read, if any.
    pub(crate) compose_file: Option<&'static str>,
    /// Things not carried over or not understood, one line each.
    pub(crate) warnings: Vec<String>,
}

/// A folder the walk kept.
struct Found {
    /// Relative to the root; empty for the root.
    rel: PathBuf,
    /// The name it asks for (folder or binary) and the folder holding it.
    wanted: String,
    parent: Option<String>,
    what: What,
}

enum What {
    Detected(Box<Detection>),
    /// One of several binaries built from the same folder: detected once it has its name.
    Binary(String),
    /// Built from its own Dockerfile; the language its files suggest, for the health route.
    Dockerfile {
        port: Option<u16>,
        language: Option<Language>,
    },
    Undetected(DetectError),
}

impl What {
    /// The same finding for a service called `name` built from the same folder.
    fn again(&self, name: &str) -> What {
        match self {
            What::Detected(detection) => What::Detected(detection.clone()),
            What::Binary(binary) => What::Binary(binary.clone()),
            What::Dockerfile { port, language } => What::Dockerfile {
                port: *port,
                language: *language,
            },
            What::Undetected(error) => What::Undetected(DetectError::Invalid {
                service: name.to_string(),
                message: error.message(),
                hint: error.hint(),
            }),
        }
    }
}

/// Surveys the repository at `root`.
pub(crate) fn survey(root: &Path) -> Survey {
    let mut warnings = Vec::new();
    let (compose_file, compose) = match compose::find(root) {
        None => (None, Compose::default()),
        Some((file, text)) => {
            match text
                .map_err(|e| e.to_string())
                .and_then(|t| compose::parse(&t, root))
            {
                Ok(compose) => (Some(file), compose),
                Err(problem) => {
                    warnings.push(format!(
                        "{file}: cannot read it ({problem}); its services are not carried over"
                    ));
                    (None, Compose::default())
                }
            }
        }
    };
    let mut names = Names::default();
    // Compose names first: the other services' settings (`postgres://db:5432`) use them.
    let compose_names: BTreeMap<String, String> = compose
        .services
        .iter()
        .filter(|s| s.build.is_none())
        .map(|s| (s.name.clone(), names.claim(&s.name, None)))
        .collect();

    let root_name = root
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // Folders that several compose services build (`web1` and `web2` from ./web): each
    // of them becomes a service of its own, named after it.
    let mut builders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for service in &compose.services {
        if let Some(context) = &service.build {
            builders.entry(context).or_default().push(&service.name);
        }
    }
    let found = walk(root, &mut |rel| classify(root, rel, &root_name));
    let mut services = Vec::new();
    // Compose services that build a folder stack detected, to the stack name they get.
    let mut built_as: BTreeMap<String, String> = BTreeMap::new();
    // Compose build contexts, by folder, to the stack name of the service built there.
    let mut folder_service: BTreeMap<String, String> = BTreeMap::new();
    for found in found {
        let path = match found.rel.to_string_lossy().as_ref() {
            "" => ".".to_string(),
            rel => rel.to_string(),
        };
        match builders.get(path.as_str()).filter(|b| b.len() > 1) {
            Some(compose_names) => {
                for compose_name in compose_names {
                    let name = names.claim(compose_name, None);
                    built_as.insert((*compose_name).to_string(), name.clone());
                    let copy = Found {
                        rel: found.rel.clone(),
                        wanted: found.wanted.clone(),
                        parent: found.parent.clone(),
                        what: found.what.again(&name),
                    };
                    services.push(built_service(root, name, path.clone(), copy));
                }
            }
            None => {
                let name = names.claim(&found.wanted, found.parent.as_deref());
                folder_service
                    .entry(path.clone())
                    .or_insert_with(|| name.clone());
                services.push(built_service(root, name, path, found));
            }
        }
    }
    for service in &compose.services {
        if let Some(name) = service
            .build
            .as_ref()
            .and_then(|context| folder_service.get(context))
        {
            built_as.insert(service.name.clone(), name.clone());
        }
    }

    let compose_to_stack = |compose_name: &str| -> Option<String> {
        compose_names
            .get(compose_name)
            .or_else(|| built_as.get(compose_name))
            .cloned()
    };
    for service in &compose.services {
        match &service.build {
            Some(context) => match built_as.get(&service.name) {
                Some(name) => {
                    let target = services
                        .iter_mut()
                        .find(|s| &s.name == name)
                        .expect("every built folder has its service");
                    merge_build(target, service, compose_file.unwrap_or("compose"), &compose_to_stack);
                }
                None => warnings.push(format!(
                    "compose service `{}` builds `{context}`, where stack recognised no service: not carried over",
                    service.name
                )),
            },
            None => {
                let name = compose_names[&service.name].clone();
                services.push(image_service(name, service, compose_file.unwrap_or("compose"), &compose_to_stack));
            }
        }
    }
    for service in &services {
        for note in &service.notes {
            if let Some(left_out) = note.strip_prefix("not carried over: ") {
                warnings.push(format!("{}: not carried over: {left_out}", service.name));
            }
        }
    }
    if let Some(file) = compose_file {
        warnings.extend(
            compose
                .left_out
                .iter()
                .map(|what| format!("{file}: not carried over: {what}")),
        );
    }
    Survey {
        draft: Draft {
            name: compose.project.clone(),
            services,
        },
        compose_file,
        warnings,
    }
}

/// A service as detection sees it, with everything else at its default.
fn probe(name: &str, dir: &Path, command: Option<Vec<String>>) -> Service {
    Service {
        command,
        ..Service::built_from(name, dir)
    }
}

/// Folder names that say where the source is rather than what it is: such a folder is
/// named after its parent (`cartservice/src` is `cartservice`).
const GENERIC: &[&str] = &["src", "source"];

fn classify(root: &Path, rel: &Path, root_name: &str) -> Verdict<Found> {
    let dir = root.join(rel);
    // A folder's name, or its parent's for `src`; a .NET project's name is its file's.
    let mut names: Vec<String> = rel
        .iter()
        .map(|n| n.to_string_lossy().to_string())
        .collect();
    if names.is_empty() {
        names.push(root_name.to_string());
    }
    while names.len() > 1 && names.last().is_some_and(|n| GENERIC.contains(&n.as_str())) {
        names.pop();
    }
    let wanted = project_file_name(&dir).unwrap_or_else(|| names.pop().unwrap_or_default());
    let parent = names.pop();
    let found = |wanted: String, what: What| Found {
        rel: rel.to_path_buf(),
        wanted,
        parent: parent.clone(),
        what,
    };
    let language = sniff(&dir);
    // stack builds a folder's own Dockerfile unchanged, whatever else the folder holds.
    if let Ok(text) = std::fs::read_to_string(dir.join("Dockerfile")) {
        let port = EXPOSE.captures(&text).and_then(|c| c[1].parse().ok());
        return Verdict::Services(vec![found(wanted, What::Dockerfile { port, language })]);
    }
    let Some(language) = language else {
        // A language stack has no template for: listed, to get a Dockerfile.
        return match without_template(&dir) {
            Some(other) => Verdict::Fallback(found(
                wanted.clone(),
                What::Undetected(DetectError::NoTemplate {
                    service: wanted,
                    language: other.to_string(),
                }),
            )),
            None => Verdict::Descend,
        };
    };
    if language == Language::Node && is_node_workspace(&dir) {
        return Verdict::Descend;
    }
    match detect(&probe(&wanted, &dir, None)) {
        Ok(detection) => {
            Verdict::Services(vec![found(wanted, What::Detected(Box::new(detection)))])
        }
        Err(error) => {
            let binaries = match language {
                Language::Rust => rust::binaries(&dir),
                Language::Go => go::commands(&dir),
                // Only Cargo's targets and Go's cmd/ name several entry points stack can tell apart.
                Language::Python | Language::Node | Language::Java => Vec::new(),
            };
            if binaries.len() > 1 {
                // Built from this folder, one service per binary, named after it.
                let own = wanted.clone();
                Verdict::Services(
                    binaries
                        .into_iter()
                        .map(|bin| Found {
                            rel: rel.to_path_buf(),
                            wanted: bin.clone(),
                            parent: Some(own.clone()),
                            what: What::Binary(bin),
                        })
                        .collect(),
                )
            } else {
                Verdict::Fallback(found(wanted, What::Undetected(error)))
            }
        }
    }
}

/// The name of the one .NET project file in `dir` (`cartservice.csproj`), when there is one.
fn project_file_name(dir: &Path) -> Option<String> {
    let mut stems = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            [".csproj", ".fsproj", ".vbproj"]
                .iter()
                .find_map(|ext| name.strip_suffix(ext).map(str::to_string))
        });
    let first = stems.next()?;
    stems.next().is_none().then_some(first)
}

/// A package.json that only gathers workspaces (npm, yarn or pnpm).
fn is_node_workspace(dir: &Path) -> bool {
    dir.join("pnpm-workspace.yaml").is_file()
        || std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .is_some_and(|package| package.get("workspaces").is_some())
}

fn built_service(root: &Path, name: String, path: String, found: Found) -> DraftService {
    let dir = root.join(&found.rel);
    if let What::Binary(binary) = &found.what {
        // Detection picks the binary named like the service, or the one `command` runs.
        let command = (*binary != name).then(|| vec![format!("/usr/local/bin/{binary}")]);
        let what = match detect(&probe(&name, &dir, command.clone())) {
            Ok(detection) => What::Detected(Box::new(detection)),
            Err(error) => What::Undetected(error),
        };
        let mut service = built_service(root, name, path, Found { what, ..found });
        service.command = command;
        return service;
    }
    let mut service = DraftService::new(name, Origin::Path(path));
    match found.what {
        What::Detected(detection) => {
            service.notes = describe(&detection);
            service.port = detection.default_port;
            service.health = match health::route(&dir, Some(detection.language)) {
                Some(route) if service.port.is_some() => {
                    service
                        .notes
                        .push(format!("health: {route}, found in the source"));
                    Some(Check::Http { path: route })
                }
                _ if service.port.is_some() && detection.http => {
                    service.notes.push(
                        "health: stack's default for an app that answers HTTP, a request to / (any answer counts); prefer `http: /your-health-route`"
                            .to_string(),
                    );
                    None
                }
                _ if service.port.is_some() => {
                    service.notes.push(
                        "health: no health route found in the source, so a TCP connect; prefer `http: /your-health-route`"
                            .to_string(),
                    );
                    Some(Check::Tcp)
                }
                _ => None,
            };
        }
        What::Dockerfile { port, language } => {
            service
                .notes
                .push("built from its own Dockerfile".to_string());
            service.port = port;
            service.health = match (port, health::route(&dir, language)) {
                (Some(_), Some(route)) => {
                    service
                        .notes
                        .push(format!("health: {route}, found in the source"));
                    Some(Check::Http { path: route })
                }
                (Some(_), None) => Some(Check::Tcp),
                (None, _) => {
                    service
                        .notes
                        .push("no EXPOSE in the Dockerfile: add `port:` if it listens".to_string());
                    None
                }
            };
        }
        What::Undetected(error) => {
            service
                .notes
                .push(format!("stack cannot build this yet: {}", error.message()));
            if let Some(hint) = error.hint() {
                service.notes.push(format!("hint: {hint}"));
            }
        }
        What::Binary(_) => {}
    }
    service
}

/// The comment lines that say what detection found.
fn describe(detection: &Detection) -> Vec<String> {
    let version_source = match detection.version_source.as_str() {
        "default" => "stack's default: pin it with `version:`".to_string(),
        source => format!("from {source}"),
    };
    let framework = detection
        .framework
        .map(|f| format!(", {f}"))
        .unwrap_or_default();
    let mut notes = vec![
        format!(
            "{} {} ({version_source}){framework}",
            detection.language, detection.version
        ),
        format!("starts: {}", shell_words::join(&detection.start)),
    ];
    // The start command binds the port itself (gunicorn, uvicorn, next, nginx's site).
    let bound = |port: u16| {
        detection
            .start
            .iter()
            .any(|w| *w == port.to_string() || w.ends_with(&format!(":{port}")))
            || detection.start.first().is_some_and(|p| p == "nginx")
    };
    match detection.default_port {
        // A convention, not the app's own code: worth a look.
        Some(port) if !detection.port_source.starts_with('`') && !bound(port) => {
            notes.push(format!(
                "port {port}: {}; check that the app listens on it",
                detection.port_source
            ))
        }
        Some(port) => notes.push(format!("port {port}: {}", detection.port_source)),
        None => notes.push("no port found: add `port:` if it listens".to_string()),
    }
    notes.extend(detection.warnings.iter().cloned());
    notes
}

/// A compose build service's settings on the service stack detected in its folder.
fn merge_build(
    target: &mut DraftService,
    service: &ComposeService,
    file: &str,
    rename: &dyn Fn(&str) -> Option<String>,
) {
    target.notes.push(format!(
        "compose service `{}` builds this folder: its port, environment and depends_on are carried over",
        service.name
    ));
    if let Some(port) = service.port {
        target.notes.retain(|note| !note.starts_with("port "));
        target.notes.push(format!("port {port}: from {file}"));
        target.port = Some(port);
        if target.health == Some(Check::Tcp) || target.health.is_none() {
            target.health = Some(Check::Tcp);
        }
    }
    target.fixed_host_port = service.fixed_host_port;
    target.env.clone_from(&service.env);
    target.env_files.clone_from(&service.env_files);
    target.build_args.clone_from(&service.build_args);
    let mut left_out = depends_on(target, service, rename);
    left_out.extend(service.left_out.iter().cloned());
    let unused = [
        ("volumes", !service.volumes.is_empty()),
        ("command", service.command.is_some()),
        (
            "healthcheck",
            service.health_from.as_deref() == Some(COMPOSE_HEALTHCHECK),
        ),
    ];
    left_out.extend(
        unused
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(key, _)| format!("`{key}`")),
    );
    if !left_out.is_empty() {
        target.notes.push(format!(
            "not carried over: {} (from {file})",
            left_out.join(", ")
        ));
    }
}

fn image_service(
    name: String,
    service: &ComposeService,
    file: &str,
    rename: &dyn Fn(&str) -> Option<String>,
) -> DraftService {
    let image = service.image.clone().unwrap_or_default();
    let mut draft = DraftService::new(name, Origin::Image(image));
    draft.notes.push(format!("from {file}"));
    if let Some(from) = service
        .health_from
        .as_ref()
        .filter(|_| service.health.is_some())
    {
        draft.notes.push(format!("health: {from}"));
    }
    draft.port = service.port;
    draft.fixed_host_port = service.fixed_host_port;
    draft.env.clone_from(&service.env);
    draft.env_files.clone_from(&service.env_files);
    draft.volumes.clone_from(&service.volumes);
    draft.health.clone_from(&service.health);
    draft.command.clone_from(&service.command);
    let mut left_out = depends_on(&mut draft, service, rename);
    left_out.extend(service.left_out.iter().cloned());
    if !left_out.is_empty() {
        draft
            .notes
            .push(format!("not carried over: {}", left_out.join(", ")));
    }
    draft
}

/// Carries `depends_on` over under the new names; returns the ones that have none.
fn depends_on(
    target: &mut DraftService,
    service: &ComposeService,
    rename: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut left_out = Vec::new();
    for dependency in &service.depends_on {
        match rename(dependency) {
            Some(name) if name != target.name => target.depends_on.push(name),
            _ => left_out.push(format!(
                "depends_on `{dependency}` (not in the new manifest)"
            )),
        }
    }
    left_out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::survey;
    use crate::init::draft::Origin;
    use crate::manifest::health::Check;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (file, text) in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    #[test]
    fn workspaces_give_their_members_and_binaries() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write(
            dir.path(),
            &[
                // An npm workspace root: its packages are the services.
                (
                    "package.json",
                    r#"{"private": true, "workspaces": ["apps/*"]}"#,
                ),
                (
                    "apps/site/package.json",
                    r#"{"scripts": {"start": "node index.js"}}"#,
                ),
                ("apps/site/index.js", "app.get('/healthz')"),
                // A Rust workspace with two binaries: one service each, built from the root.
                (
                    "engine/Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\n",
                ),
                (
                    "engine/crates/api/Cargo.toml",
                    "[package]\nname = \"api\"\n",
                ),
                ("engine/crates/api/src/main.rs", "fn main() {}"),
                (
                    "engine/crates/job_runner/Cargo.toml",
                    "[package]\nname = \"job_runner\"\n",
                ),
                ("engine/crates/job_runner/src/main.rs", "fn main() {}"),
                // Its own Dockerfile, no language files.
                ("proxy/Dockerfile", "FROM nginx:1.22\nEXPOSE 80\n"),
                // Its own Dockerfile wins over detection; the source still gives the route.
                (
                    "ml/Dockerfile",
                    "FROM python:3.11-slim-bookworm\nEXPOSE 9000\n",
                ),
                ("ml/requirements.txt", "fastapi\n"),
                ("ml/serve.py", "@app.get('/readyz')\n"),
            ],
        );
        let survey = survey(dir.path());
        let services: Vec<(&str, &Origin, Option<u16>)> = survey
            .draft
            .services
            .iter()
            .map(|s| (s.name.as_str(), &s.origin, s.port))
            .collect();
        let path = |p: &str| Origin::Path(p.to_string());
        assert_eq!(
            services,
            vec![
                ("site", &path("apps/site"), Some(3000)),
                ("api", &path("engine"), Some(8080)),
                ("job-runner", &path("engine"), Some(8080)),
                ("ml", &path("ml"), Some(9000)),
                ("proxy", &path("proxy"), Some(80)),
            ]
        );
        let runner = &survey.draft.services[2];
        assert_eq!(
            runner.command,
            Some(vec!["/usr/local/bin/job_runner".to_string()])
        );
        assert_eq!(
            survey.draft.services[0].health,
            Some(Check::Http {
                path: "/healthz".into()
            })
        );
        assert_eq!(
            survey.draft.services[3].health,
            Some(Check::Http {
                path: "/readyz".into()
            })
        );
        assert_eq!(survey.draft.services[4].health, Some(Check::Tcp));
        assert!(survey.warnings.is_empty(), "{:?}", survey.warnings);
    }

    #[test]
    fn compose_services_keep_their_names_and_wiring() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write(
            dir.path(),
            &[
                ("api/requirements.txt", "fastapi\n"),
                ("api/main.py", "app = FastAPI()\n"),
                ("db/requirements.txt", "flask\n"),
                ("db/app.py", "app = Flask(__name__)\n"),
                (
                    "docker-compose.yml",
                    "name: shop\nservices:\n  backend:\n    build: { context: ./api }\n    ports: ['9000:8000']\n    environment: [DATABASE_URL=postgres://db/app]\n    depends_on: [db, worker]\n    command: uvicorn main:app --reload\n  db:\n    image: postgres:15\n  worker:\n    build: ./worker\n",
                ),
            ],
        );
        let survey = survey(dir.path());
        assert_eq!(survey.draft.name.as_deref(), Some("shop"));
        let names: Vec<&str> = survey
            .draft
            .services
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        // The compose `db` keeps its name; the folder called db makes way.
        assert_eq!(names, ["api", "db-2", "db"]);
        let api = &survey.draft.services[0];
        assert_eq!(api.port, Some(8000));
        assert_eq!(api.fixed_host_port, Some(9000));
        assert_eq!(api.depends_on, ["db"]);
        assert_eq!(
            api.env,
            [(
                "DATABASE_URL".to_string(),
                Some("postgres://db/app".to_string())
            )]
        );
        assert_eq!(
            survey.warnings,
            [
                "compose service `worker` builds `worker`, where stack recognised no service: not carried over",
                "api: not carried over: depends_on `worker` (not in the new manifest), `command` (from docker-compose.yml)",
            ]
        );
    }

    fn names(survey: &super::Survey) -> Vec<&str> {
        survey
            .draft
            .services
            .iter()
            .map(|s| s.name.as_str())
            .collect()
    }

    #[test]
    fn compose_services_sharing_a_folder_stay_apart_and_build_options_are_kept_or_named() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write(
            dir.path(),
            &[
                ("web/requirements.txt", "flask==3.0.3\n"),
                (
                    "web/app.py",
                    "from flask import Flask\napp = Flask(__name__)\n",
                ),
                (
                    "compose.yaml",
                    "services:\n  web1:\n    build: { context: ./web, target: prod, args: { RELEASE: \"2.1\" } }\n    ports: ['8001:5000']\n  web2:\n    build: ./web\n    ports: ['8002:5000']\n  lb:\n    image: nginx:1.22\n    depends_on: [web1, web2]\n",
                ),
            ],
        );
        let survey = survey(dir.path());
        assert_eq!(names(&survey), ["web1", "web2", "lb"]);
        assert_eq!(survey.draft.services[2].depends_on, ["web1", "web2"]);
        assert_eq!(
            survey.draft.services[0].build_args,
            [("RELEASE".to_string(), "2.1".to_string())]
        );
        assert!(survey.draft.services[1].build_args.is_empty());
        assert_eq!(
            survey.warnings,
            [
                "web1: not carried over: build.target `prod` (stack builds the whole Dockerfile, or generates one) (from compose.yaml)"
            ]
        );
    }

    #[test]
    fn a_src_folder_is_named_after_its_project_and_languages_without_a_template_are_listed() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write(
            dir.path(),
            &[
                ("cartservice/src/cartservice.csproj", "<Project />\n"),
                ("cartservice/src/Program.cs", "app.Run();\n"),
                ("checkout/src/Dockerfile", "FROM debian:bookworm-slim\n"),
                ("reviews/Gemfile", "gem \"sinatra\"\n"),
            ],
        );
        let survey = survey(dir.path());
        assert_eq!(names(&survey), ["cartservice", "checkout", "reviews"]);
        assert_eq!(
            survey.draft.services[0].notes,
            [
                "stack cannot build this yet: stack has no template for .NET yet: add a Dockerfile to the directory",
                "hint: stack builds a directory's own Dockerfile unchanged; or run a ready-made image with `image:`"
            ]
        );
    }
}
