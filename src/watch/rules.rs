//! What a change to one file means for one service: copy it into the container (and let
//! the app reload, or restart it, or run a command), restart, rebuild, or nothing. The
//! service's `watch:` rules decide for the paths they cover, the most specific first;
//! every other file follows the defaults of the service's language.

use std::path::{Component, Path, PathBuf};

use crate::build::context::{ContextError, DockerfileSource, read_ignore};
use crate::build::dockerignore::{DirVisit, DockerIgnore};
use crate::build::secrets;
use crate::detect::detection::Details;
use crate::manifest::service::Service;
use crate::manifest::watch::{WatchAction, WatchRule};

/// Where a generated image holds the service's source (`WORKDIR /app`, `COPY . .`).
pub(crate) const APP_DIR: &str = "/app";

/// Files whose change means a new image whatever the language: what a Dockerfile installs
/// dependencies or picks a toolchain from, and the build's own files. Matched at the
/// service's root; the detected dependency files (a `-r` include) wherever they are.
const REBUILD_FILES: &[&str] = &[
    "Dockerfile",
    ".dockerignore",
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    ".python-version",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    ".npmrc",
    ".yarnrc.yml",
    ".nvmrc",
    ".node-version",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain",
    "rust-toolchain.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
];

/// What happens after files are copied in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Then {
    /// The app's reloader picks the files up (or nothing needs to).
    Reload,
    Restart,
    /// Run this command in the container.
    Exec(Vec<String>),
}

/// What one changed path asks of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Copy the path to `container` (or delete it there, when it is gone from the host).
    Sync {
        container: String,
        then: Then,
    },
    Restart,
    Rebuild,
}

/// What a service does by default with the files of its directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Defaults {
    /// Nothing: a ready-made image, or a task.
    Nothing,
    /// Every change rebuilds: a compiled language, an installed package, a front end
    /// built to a site, the service's own Dockerfile.
    Rebuild,
    /// Sources are copied to `/app`; dependency files rebuild. `restart` when nothing
    /// in the container reloads them.
    Sync {
        restart: bool,
        dependency_files: Vec<String>,
    },
}

impl Defaults {
    /// The defaults for `service`, built from `source` (none for an image service).
    pub(crate) fn of(service: &Service, source: Option<&DockerfileSource>) -> Defaults {
        if service.task {
            return Defaults::Nothing;
        }
        let Some(source) = source else {
            return Defaults::Nothing;
        };
        let DockerfileSource::Generated(rendered) = source else {
            return Defaults::Rebuild;
        };
        let detection = &rendered.detection;
        // The manifest's own `command` runs as written, without a reloader.
        let dev = detection.dev().filter(|_| service.command.is_none());
        // Without a reloader (a script, or that `command`), a restart loads the files.
        let restart = dev.is_none();
        // A dev server on the `deps` stage reads the source as it is, build step or not.
        let on_deps = dev.as_ref().is_some_and(|dev| dev.target.is_some());
        match &detection.details {
            Details::Python(python) if !python.installable => Defaults::Sync {
                restart,
                dependency_files: python.dependency_files.clone(),
            },
            Details::Node(node) if on_deps || (!node.build && node.frontend.is_none()) => {
                Defaults::Sync {
                    restart,
                    dependency_files: node.dependency_files.clone(),
                }
            }
            Details::Python(_)
            | Details::Node(_)
            | Details::Go(_)
            | Details::Rust(_)
            | Details::Java(_) => Defaults::Rebuild,
        }
    }
}

/// One `watch:` rule, ready to match paths.
#[derive(Clone, Debug)]
struct Rule {
    path: PathBuf,
    action: WatchAction,
    target: Option<String>,
    ignore: DockerIgnore,
    exec: Option<Vec<String>>,
}

/// How one service follows its files.
#[derive(Clone, Debug)]
pub(crate) struct ServiceWatch {
    pub(crate) service: String,
    /// Its build directory; `None` for an image service.
    dir: Option<PathBuf>,
    /// The build context's rules (`.dockerignore`, secrets): files they leave out of the
    /// image are not watched.
    context: DockerIgnore,
    /// Its `watch:` rules, the most specific path first.
    rules: Vec<Rule>,
    pub(crate) defaults: Defaults,
}

impl ServiceWatch {
    /// How `service` is watched; `source` is what it is built from (none for an image).
    pub(crate) fn new(
        service: &Service,
        source: Option<&DockerfileSource>,
        ca_certificates: &[PathBuf],
    ) -> Result<ServiceWatch, ContextError> {
        let dir = service.build_dir().map(Path::to_path_buf);
        let context = match (&dir, source) {
            (Some(dir), Some(source)) => read_ignore(
                dir,
                source,
                &secrets::referenced(service, dir, ca_certificates),
            )?,
            _ => DockerIgnore::default(),
        };
        let mut rules: Vec<Rule> = service
            .watch
            .iter()
            .map(|rule: &WatchRule| Rule {
                path: rule.path.clone(),
                action: rule.action,
                target: rule.target.clone(),
                ignore: DockerIgnore::parse(&rule.ignore.join("\n"))
                    .expect("validation parsed every pattern"),
                exec: rule.exec.clone(),
            })
            .collect();
        // Longest path first: a rule for `src/static` wins over one for `src`.
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.path.components().count()));
        Ok(ServiceWatch {
            service: service.name.clone(),
            dir,
            context,
            rules,
            defaults: Defaults::of(service, source),
        })
    }

    /// The folders whose trees this service watches: its directory, and rule paths
    /// outside it.
    pub(crate) fn roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = Vec::new();
        let watches_dir = self.defaults != Defaults::Nothing || !self.rules.is_empty();
        if let (Some(dir), true) = (&self.dir, watches_dir) {
            roots.push(dir.clone());
        }
        for rule in &self.rules {
            if !self
                .dir
                .as_ref()
                .is_some_and(|dir| rule.path.starts_with(dir))
            {
                // A file rule is watched through its folder.
                let root = if rule.path.is_dir() {
                    rule.path.clone()
                } else {
                    rule.path
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                };
                roots.push(root);
            }
        }
        roots.sort();
        roots.dedup();
        roots
    }

    /// Whether the folder `path` holds anything this service follows, so it is watched
    /// and walked.
    pub(crate) fn wants_dir(&self, path: &Path) -> bool {
        if has_git(path) {
            return false;
        }
        if let Some(dir) = &self.dir
            && let Ok(relative) = path.strip_prefix(dir)
        {
            let relative = slash(relative);
            return relative.is_empty() || self.context.visit_dir(&relative) != DirVisit::Skip;
        }
        self.rules.iter().any(|rule| {
            let Ok(relative) = path.strip_prefix(&rule.path) else {
                // The folder of a file rule.
                return rule.path.parent() == Some(path);
            };
            let relative = slash(relative);
            relative.is_empty() || rule.ignore.visit_dir(&relative) != DirVisit::Skip
        })
    }

    /// What a change to `path` (a file or folder, there or gone) asks of this service;
    /// `None` when it is not this service's, or left out.
    pub(crate) fn effect(&self, path: &Path) -> Option<Effect> {
        if has_git(path) {
            return None;
        }
        let in_dir = self
            .dir
            .as_ref()
            .and_then(|dir| path.strip_prefix(dir).ok())
            .map(slash);
        if let Some(relative) = &in_dir
            && (relative.is_empty() || self.context.is_excluded(relative))
        {
            return None;
        }
        if let Some(rule) = self.rules.iter().find(|rule| path.starts_with(&rule.path)) {
            return self.by_rule(rule, path, in_dir.as_deref());
        }
        let relative = in_dir?;
        match &self.defaults {
            Defaults::Nothing => None,
            Defaults::Rebuild => Some(Effect::Rebuild),
            Defaults::Sync {
                restart,
                dependency_files,
            } => {
                let at_root = !relative.contains('/');
                let name = relative.rsplit('/').next().unwrap_or(&relative);
                if dependency_files.contains(&relative)
                    || (at_root && REBUILD_FILES.contains(&name))
                {
                    return Some(Effect::Rebuild);
                }
                Some(Effect::Sync {
                    container: format!("{APP_DIR}/{relative}"),
                    then: if *restart {
                        Then::Restart
                    } else {
                        Then::Reload
                    },
                })
            }
        }
    }

    /// The paths of its rules that copy files, for the sync when watching starts.
    pub(crate) fn sync_rule_paths(&self) -> Vec<PathBuf> {
        self.rules
            .iter()
            .filter(|rule| rule.action.syncs())
            .map(|rule| rule.path.clone())
            .collect()
    }

    /// `path` as messages show it: inside the service's folder relative to it
    /// (`requirements.txt`), elsewhere relative to the project's `root`.
    pub(crate) fn shown(&self, path: &Path, root: &Path) -> String {
        let relative = self
            .dir
            .as_ref()
            .and_then(|dir| path.strip_prefix(dir).ok())
            .or_else(|| path.strip_prefix(root).ok())
            .unwrap_or(path);
        slash(relative)
    }

    fn by_rule(&self, rule: &Rule, path: &Path, in_dir: Option<&str>) -> Option<Effect> {
        let below = slash(path.strip_prefix(&rule.path).ok()?);
        if !below.is_empty() && rule.ignore.is_excluded(&below) {
            return None;
        }
        let then = match (rule.action, &rule.exec) {
            (WatchAction::Rebuild, _) => return Some(Effect::Rebuild),
            (WatchAction::Restart, _) => return Some(Effect::Restart),
            (WatchAction::Sync, _) => Then::Reload,
            (WatchAction::SyncRestart, _) => Then::Restart,
            (WatchAction::SyncExec, exec) => Then::Exec(exec.clone().unwrap_or_default()),
        };
        let container = match (&rule.target, below.is_empty()) {
            (Some(target), true) => target.clone(),
            (Some(target), false) => format!("{}/{below}", target.trim_end_matches('/')),
            // Validation requires a target unless the path is in a generated image's /app.
            (None, _) => format!("{APP_DIR}/{}", in_dir?),
        };
        Some(Effect::Sync { container, then })
    }
}

/// Whether a path goes through a `.git` folder: never watched.
fn has_git(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c, Component::Normal(name) if name == ".git"))
}

/// A relative path with `/` separators, as `.dockerignore` rules read them.
fn slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}
