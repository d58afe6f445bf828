//! A validated service: what to build or run, and how to know it is ready.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::detect::language::{Framework, Language};
use crate::manifest::health::Health;
use crate::manifest::volume::Volume;
use crate::manifest::watch::WatchRule;

/// Where a service's image comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Source {
    /// Built by stack from a directory inside the project.
    Build {
        /// Absolute, normalised path to the service directory.
        dir: PathBuf,
        /// The path as written in the manifest, for messages.
        #[serde(skip)]
        relative: PathBuf,
    },
    /// A ready-made image, used as is.
    Image(String),
}

/// Options that only affect how a built service's image is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct BuildOptions {
    /// Distribution packages installed only in the build stage (compilers, headers).
    pub(crate) build_packages: Vec<String>,
    /// Distribution packages installed in the runtime image.
    pub(crate) system_packages: Vec<String>,
    /// Docker build arguments. Never secrets: they end up in the image history.
    pub(crate) args: BTreeMap<String, String>,
    /// The Debian release the generated Dockerfile's base images are built on.
    pub(crate) debian: String,
}

/// The Debian releases generated Dockerfiles can start from; the first is the default.
pub(crate) const DEBIAN_RELEASES: [&str; 2] = ["bookworm", "trixie"];

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            build_packages: Vec::new(),
            system_packages: Vec::new(),
            args: BTreeMap::new(),
            debian: DEBIAN_RELEASES[0].to_string(),
        }
    }
}

/// One service of the stack, validated and with every `${VAR}` resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Service {
    pub(crate) name: String,
    pub(crate) source: Source,
    /// The port the app listens on inside the container.
    pub(crate) port: Option<u16>,
    /// A fixed host port; `None` lets the engine pick a free one.
    pub(crate) host_port: Option<u16>,
    /// The host address ports are published on.
    pub(crate) host_ip: String,
    /// Environment: `env_file` first, then `env` on top.
    pub(crate) env: BTreeMap<String, String>,
    /// The keys of `env` whose value came from an `env_file` (and not from `env`): exports
    /// keep them in a Secret rather than in plain configuration.
    #[serde(skip)]
    pub(crate) env_from_files: BTreeSet<String>,
    pub(crate) depends_on: Vec<String>,
    pub(crate) health: Option<Health>,
    /// `health` is stack's default (none was written): detection may choose a better one.
    #[serde(skip)]
    pub(crate) health_implied: bool,
    /// A one-shot service: success is exit code 0.
    pub(crate) task: bool,
    /// Overrides the image's or generated start command (argv form).
    pub(crate) command: Option<Vec<String>>,
    /// Language version pin, e.g. "3.11".
    pub(crate) version: Option<String>,
    pub(crate) language: Option<Language>,
    pub(crate) framework: Option<Framework>,
    pub(crate) build: BuildOptions,
    pub(crate) volumes: Vec<Volume>,
    /// What `stack watch` does when files change, where the defaults do not fit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) watch: Vec<WatchRule>,
    /// Files stack writes into the container before starting it (path to contents): the
    /// gateway's nginx configuration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) files: BTreeMap<String, String>,
    /// 1-based line of the service's key in the manifest, for later messages.
    #[serde(skip)]
    pub(crate) line: usize,
}

impl Service {
    /// A service built from `dir` with every other field at the manifest's default: what
    /// detection sees of a folder no manifest describes yet (`stack init`, tests).
    pub(crate) fn built_from(name: &str, dir: &std::path::Path) -> Service {
        Service::new(
            name,
            Source::Build {
                dir: dir.to_path_buf(),
                relative: dir.to_path_buf(),
            },
        )
    }

    /// A service from `source` with every other field at the manifest's default.
    pub(crate) fn new(name: &str, source: Source) -> Service {
        Service {
            name: name.to_string(),
            source,
            port: None,
            host_port: None,
            host_ip: "127.0.0.1".to_string(),
            env: BTreeMap::new(),
            env_from_files: BTreeSet::new(),
            depends_on: Vec::new(),
            health: None,
            health_implied: true,
            task: false,
            command: None,
            version: None,
            language: None,
            framework: None,
            build: BuildOptions::default(),
            volumes: Vec::new(),
            watch: Vec::new(),
            files: BTreeMap::new(),
            line: 0,
        }
    }

    /// The directory stack builds from, when it builds this service.
    pub(crate) fn build_dir(&self) -> Option<&std::path::Path> {
        match &self.source {
            Source::Build { dir, .. } => Some(dir),
            Source::Image(_) => None,
        }
    }
}
