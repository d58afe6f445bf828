//! Node's row in `DETECTORS` and the steps from a service directory to its `Detection`:
//! the package manager, a front end or an app and how it starts, where it listens, native
//! addons, the version.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::language::{Framework, Language};
use crate::detect::listen;
use crate::detect::node::frontend::{self, Serve};
use crate::detect::node::manager::{self, Manager};
use crate::detect::node::package::Package;
use crate::detect::node::start;
use crate::detect::version::{Version, pick};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
const LOOKED_FOR: &[&str] = &["package.json"];

/// The Node used when nothing pins one: the current LTS line.
const DEFAULT_VERSION: &str = "22";

/// The oldest Node whose images exist for the Debian releases stack builds on: a range
/// like `>=14` builds on it rather than on an image that was never made.
const OLDEST_VERSION: u32 = 18;

/// Node's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Node,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

/// The port of Node apps by convention.
const DEFAULT_PORT: u16 = 3000;

/// Packages that compile a native addon with node-gyp, or that addons build with.
const NATIVE_PACKAGES: &str = "nan|node-addon-api|node-gyp-build|prebuild-install|node-pre-gyp|@mapbox/node-pre-gyp|bindings|node-gyp|bcrypt|sqlite3|better-sqlite3|node-sass|canvas|argon2|leveldown|zeromq";

/// One of them installed, as each lockfile lists what it installs: package-lock's
/// `"node_modules/x"`, yarn's and pnpm's `x@version` entries (not their peer listings).
static NATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?m)"node_modules/(?:[^"]*/)?(?:{NATIVE_PACKAGES})"|^\s*["']?/?(?:{NATIVE_PACKAGES})@"#
    ))
    .expect("a valid pattern")
});
static NATIVE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{NATIVE_PACKAGES})$")).expect("a valid pattern"));

/// Facts about a Node service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Node {
    pub(crate) manager: Manager,
    /// The lockfile, when there is one.
    pub(crate) lockfile: Option<String>,
    /// Files copied before the source so the dependency layer is cached: package.json, the
    /// lockfile and the manager's own settings file when there is one.
    pub(crate) dependency_files: Vec<String>,
    /// Shell command that puts the package manager on PATH in the build stage (not npm).
    pub(crate) setup: Option<String>,
    /// The install command with development dependencies (for a build step).
    pub(crate) install: String,
    /// The install command for production dependencies only.
    pub(crate) install_production: String,
    /// The app has a build step (a `build` script, or a front end's), run in the build stage.
    pub(crate) build: bool,
    /// The command that runs it.
    pub(crate) run_build: String,
    /// The command that removes development dependencies after the build.
    pub(crate) prune: String,
    /// Yarn 2+ with Plug'n'Play starts through yarn, so corepack and the yarn release it
    /// downloaded in the build stage are carried into the runtime.
    pub(crate) runtime_yarn: bool,
    /// A front end: served as a static site by nginx, or run by its own server. `None`
    /// for other apps.
    pub(crate) frontend: Option<Serve>,
    /// A dependency compiles a native addon: python3, make and g++ in the build stage.
    pub(crate) native: bool,
    /// The development server bound to 0.0.0.0 (the front end's, or the `dev` script),
    /// for `stack watch`.
    pub(crate) dev: Option<Vec<String>>,
}

impl Node {
    /// `node --watch` for an app the image starts with node from its source as it is (no
    /// build step, not a front end): Node restarts it when a synced file it loaded
    /// changes. The runtime image holds production dependencies only, so the `dev`
    /// script's tools (nodemon, a front end's dev server) are not there to run.
    pub(crate) fn reloading(&self, start: &[String]) -> Option<Vec<String>> {
        let rest = start.strip_prefix(&["node".to_string()])?;
        if self.build || self.frontend.is_some() || rest.iter().any(|a| a == "--watch") {
            return None;
        }
        let mut argv = vec!["node".to_string(), "--watch".to_string()];
        argv.extend(rest.iter().cloned());
        Some(argv)
    }
}

fn matches(dir: &Path) -> bool {
    dir.join("package.json").is_file()
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let package = Package::read(service, dir)?;
    let berry = std::fs::read_to_string(dir.join("yarn.lock"))
        .is_ok_and(|lock| lock.contains("__metadata:"));
    let plug_n_play = berry && manager::plug_n_play(dir);
    let (manager, lockfile) = manager::manager(dir, berry);
    let pinned = manager::pinned_release(package.json(), manager);
    if manager == Manager::YarnBerry && pinned.is_none() {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "yarn.lock is from Yarn 2 or later, but package.json has no `packageManager`"
                .to_string(),
            hint: Some(
                "run `yarn set version stable` (or `corepack use yarn@4`) so package.json names the yarn release to build with"
                    .to_string(),
            ),
        });
    }
    let commands = manager::commands(manager, lockfile.is_some());
    let framework = framework(service, &package)?;
    let (version, version_source) = version(service, dir, &package);
    let native = lockfile
        .and_then(|l| std::fs::read_to_string(dir.join(l)).ok())
        .is_some_and(|lock| NATIVE.is_match(&lock))
        || package
            .dependency_names()
            .any(|name| NATIVE_NAME.is_match(name));
    let mut node = Node {
        manager,
        lockfile: lockfile.map(str::to_string),
        dependency_files: manager::dependency_files(dir, lockfile),
        setup: manager::setup(manager, pinned),
        install: commands.install.to_string(),
        install_production: commands.install_production.to_string(),
        build: package.script("build").is_some(),
        run_build: format!("{} run build", commands.run),
        prune: commands.prune.to_string(),
        runtime_yarn: plug_n_play,
        frontend: None,
        native,
        dev: package.script("dev").map(|_| {
            vec![
                commands.run.to_string(),
                "run".to_string(),
                "dev".to_string(),
            ]
        }),
    };
    let is_frontend =
        framework.is_some_and(|f| f.language() == Some(Language::Node) && f != Framework::Express);
    if let (Some(framework), true, None) = (framework, is_frontend, &service.command) {
        let front = frontend::frontend(service, dir, &package, framework, commands.run)?;
        let port = service.port.unwrap_or(front.port);
        node.build = true;
        node.run_build = front.build;
        node.frontend = Some(front.serve.clone());
        node.dev = Some(with_port(front.dev, front.port, port));
        let start = match front.serve {
            Serve::Static { .. } => vec![
                "nginx".to_string(),
                "-e".to_string(),
                "stderr".to_string(),
                "-c".to_string(),
                "/etc/nginx/stack.conf".to_string(),
            ],
            Serve::Server { .. } => with_port(front.start, front.port, port),
        };
        return Ok(Detection::new(
            Language::Node,
            Some(framework),
            (version, version_source),
            start,
            listen::choose(service, None, Some((front.port, front.port_source))),
            true,
            Details::Node(node),
        ));
    }
    let started = start::start(service, dir, &package, plug_n_play, node.build)?;
    let (listen, from_script) = start::listen(dir, &started, &package);
    let fallback = from_script
        .clone()
        .unwrap_or((DEFAULT_PORT, "the usual Node port".to_string()));
    // A `PORT=` in the script that starts the app overrides whatever the code reads.
    let port = if from_script.is_some() {
        listen::choose(service, None, Some(fallback))
    } else {
        listen::choose(service, listen.as_ref(), Some(fallback))
    };
    Ok(Detection::new(
        Language::Node,
        framework.filter(|f| *f == Framework::Express),
        (version, version_source),
        started.argv,
        port,
        start::speaks_http(&package, listen.as_ref()),
        Details::Node(node),
    ))
}

/// `argv` with the framework's default port replaced by the one the service uses.
fn with_port(argv: Vec<String>, default: u16, port: u16) -> Vec<String> {
    let (from, to) = (default.to_string(), port.to_string());
    argv.into_iter()
        .map(|word| {
            if word == from {
                to.clone()
            } else {
                word.replace(&format!("PORT={from}"), &format!("PORT={to}"))
            }
        })
        .collect()
}

/// The manifest's framework (`none`: no framework), else a front end package.json uses,
/// else express when it depends on it.
fn framework(service: &Service, package: &Package) -> Result<Option<Framework>, DetectError> {
    if let Some(pinned) = Framework::pinned(service.framework) {
        if let Some(other) = pinned.filter(|f| f.language() != Some(Language::Node)) {
            return Err(DetectError::Invalid {
                service: service.name.clone(),
                message: format!("framework `{}` is not a Node framework", other.name()),
                hint: Some(
                    "use express, react, vite, angular, vue, next, nuxt, svelte or none, or remove `framework:`"
                        .to_string(),
                ),
            });
        }
        return Ok(pinned);
    }
    // An app started by node that depends on express serves itself, front-end tools or not.
    let serves_itself = package.needs_at_runtime("express")
        && package
            .script("start")
            .is_some_and(|s| s.contains("node ") || s.contains("nodemon"));
    let front = frontend::framework_of(package).filter(|f| {
        matches!(f, Framework::Next | Framework::Nuxt | Framework::Svelte) || !serves_itself
    });
    Ok(front.or_else(|| package.depends_on("express").then_some(Framework::Express)))
}

/// (version, where it came from): the manifest's pin, .nvmrc, .node-version, engines.node
/// (a range's lowest major, raised to the oldest Node an image exists for).
fn version(service: &Service, dir: &Path, package: &Package) -> (String, String) {
    pick(
        service,
        &[
            Version::file(dir, ".nvmrc", major),
            Version::file(dir, ".node-version", major),
            Version::from(
                "engines.node in package.json",
                package.engines_node().and_then(|range| {
                    let lowest: u32 = major(range)?.parse().ok()?;
                    Some(lowest.max(OLDEST_VERSION).to_string())
                }),
            ),
        ],
        DEFAULT_VERSION,
    )
}

static MAJOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+)").expect("a valid pattern"));

/// `20` from `v20.11.1`, `>=20`, `20.x`; `lts/*` gives nothing.
fn major(text: &str) -> Option<String> {
    MAJOR.captures(text).map(|c| c[1].to_string())
}

#[cfg(test)]
mod tests {
    use super::{major, with_port};

    #[test]
    fn versions() {
        assert_eq!(major("v20.11.1").as_deref(), Some("20"));
        assert_eq!(major(">=18 <23").as_deref(), Some("18"));
        assert_eq!(major("20.x").as_deref(), Some("20"));
        assert_eq!(major("lts/*"), None);
    }

    #[test]
    fn dev_commands_follow_the_service_port() {
        let argv: Vec<String> = ["env", "PORT=3000", "npx", "vite", "--port", "3000"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            with_port(argv, 3000, 8080),
            ["env", "PORT=8080", "npx", "vite", "--port", "8080"]
        );
    }
}
