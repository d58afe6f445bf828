//! Node services: package manager by lockfile, the start command from package.json, the
//! version from .nvmrc, .node-version or engines.node.

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
const LOOKED_FOR: &[&str] = &["package.json"];

/// The Node used when nothing pins one: the current LTS line.
const DEFAULT_VERSION: &str = "22";

/// Node's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Node,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

/// The default port of Node web apps by convention.
const DEFAULT_PORT: u16 = 3000;

/// Package managers installed with npm when package.json has no `packageManager` field.
/// npm is the one tool every official Node image has: corepack left Node in 25 and yarn
/// left the images in 26, so stack never relies on either being there.
const YARN_CLASSIC: &str = "1.22.22";
const PNPM: &str = "10.34.9";
/// Corepack for Yarn 2+ (distributed per project through `packageManager`), installed
/// when the image has none.
const COREPACK: &str = "0.36.0";

/// How dependencies are installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Manager {
    Npm,
    /// Yarn 1, `yarn.lock` without `__metadata`.
    Yarn,
    /// Yarn 2 and later.
    YarnBerry,
    Pnpm,
}

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
    /// `package.json` has a `build` script, run in the build stage.
    pub(crate) build: bool,
    /// The command that runs it.
    pub(crate) run_build: String,
    /// The command that removes development dependencies after the build.
    pub(crate) prune: String,
    /// Yarn 2+ with Plug'n'Play starts through yarn, so corepack and the yarn release it
    /// downloaded in the build stage are carried into the runtime.
    pub(crate) runtime_yarn: bool,
}

static MAJOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+)").expect("a valid pattern"));
static PACKAGE_MANAGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(npm|yarn|pnpm)@(\d+\.\d+\.\d+[\w.-]*)").expect("a valid pattern")
});

fn matches(dir: &Path) -> bool {
    dir.join("package.json").is_file()
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let package = read_package(service, dir)?;
    let berry = std::fs::read_to_string(dir.join("yarn.lock"))
        .is_ok_and(|lock| lock.contains("__metadata:"));
    let plug_n_play = berry && plug_n_play(dir);
    let (manager, lockfile) = manager(dir, berry);
    let pinned = pinned_release(&package, manager);
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
    let (install, install_production, prune, run) = commands(manager, lockfile.is_some());
    let build = script(&package, "build").is_some();
    let framework = framework(service, &package)?;
    let start = start(service, dir, &package, plug_n_play, build)?;
    let (version, version_source) = version(service, dir, &package);
    Ok(Detection {
        language: Language::Node,
        framework,
        version,
        version_source,
        start,
        default_port: Some(DEFAULT_PORT),
        details: Details::Node(Node {
            manager,
            lockfile: lockfile.map(str::to_string),
            dependency_files: dependency_files(dir, lockfile),
            setup: setup(manager, pinned),
            install: install.to_string(),
            install_production: install_production.to_string(),
            build,
            run_build: format!("{run} run build"),
            prune: prune.to_string(),
            runtime_yarn: plug_n_play,
        }),
    })
}

/// package.json, parsed.
fn read_package(service: &Service, dir: &Path) -> Result<serde_json::Value, DetectError> {
    let path = dir.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| DetectError::Invalid {
        service: service.name.clone(),
        message: format!("package.json is not valid JSON: {e}"),
        hint: None,
    })
}

/// Yarn 2+ defaults to Plug'n'Play: no node_modules, so only yarn can start the app.
/// `.yarnrc.yml` may choose another linker.
fn plug_n_play(dir: &Path) -> bool {
    !std::fs::read_to_string(dir.join(".yarnrc.yml")).is_ok_and(|rc| {
        rc.lines().any(|l| {
            let l = l.trim();
            l.starts_with("nodeLinker:") && !l.contains("pnp")
        })
    })
}

/// The package manager and its lockfile, by which lockfile is there.
fn manager(dir: &Path, berry: bool) -> (Manager, Option<&'static str>) {
    let has = |name: &str| dir.join(name).is_file();
    if has("pnpm-lock.yaml") {
        (Manager::Pnpm, Some("pnpm-lock.yaml"))
    } else if has("yarn.lock") {
        (
            if berry {
                Manager::YarnBerry
            } else {
                Manager::Yarn
            },
            Some("yarn.lock"),
        )
    } else if has("package-lock.json") {
        (Manager::Npm, Some("package-lock.json"))
    } else if has("npm-shrinkwrap.json") {
        (Manager::Npm, Some("npm-shrinkwrap.json"))
    } else {
        (Manager::Npm, None)
    }
}

/// The release of `manager` that `"packageManager": "pnpm@9.15.0+sha512..."` pins.
fn pinned_release(package: &serde_json::Value, manager: Manager) -> Option<String> {
    let tool = match manager {
        Manager::Npm => "npm",
        Manager::Yarn | Manager::YarnBerry => "yarn",
        Manager::Pnpm => "pnpm",
    };
    package
        .get("packageManager")
        .and_then(|p| p.as_str())
        .and_then(|p| PACKAGE_MANAGER.captures(p))
        .filter(|c| &c[1] == tool)
        .map(|c| c[2].to_string())
}

/// package.json, the lockfile and the manager's own settings files, when there are.
fn dependency_files(dir: &Path, lockfile: Option<&str>) -> Vec<String> {
    let mut files = vec!["package.json".to_string()];
    files.extend(lockfile.map(str::to_string));
    files.extend(
        [".yarnrc.yml", "pnpm-workspace.yaml"]
            .into_iter()
            .filter(|f| dir.join(f).is_file())
            .map(str::to_string),
    );
    files
}

/// The shell command that puts `manager` (at its `pinned` release) on PATH.
fn setup(manager: Manager, pinned: Option<String>) -> Option<String> {
    match manager {
        Manager::Npm => None,
        // The images up to Node 25 carry their own yarn 1 symlinks; replace them with the pin.
        Manager::Yarn => Some(format!(
            "rm -f /usr/local/bin/yarn /usr/local/bin/yarnpkg \\\n && npm install -g yarn@{}",
            pinned.unwrap_or_else(|| YARN_CLASSIC.to_string())
        )),
        Manager::Pnpm => Some(format!(
            "npm install -g pnpm@{}",
            pinned.unwrap_or_else(|| PNPM.to_string())
        )),
        Manager::YarnBerry => Some(format!(
            "rm -f /usr/local/bin/yarn /usr/local/bin/yarnpkg \\\n && (command -v corepack >/dev/null || npm install -g corepack@{COREPACK}) \\\n && corepack enable yarn"
        )),
    }
}

/// (install, install for production, prune development dependencies, run a script).
fn commands(
    manager: Manager,
    locked: bool,
) -> (&'static str, &'static str, &'static str, &'static str) {
    match (manager, locked) {
        (Manager::Npm, true) => ("npm ci", "npm ci --omit=dev", "npm prune --omit=dev", "npm"),
        (Manager::Npm, false) => (
            "npm install",
            "npm install --omit=dev",
            "npm prune --omit=dev",
            "npm",
        ),
        (Manager::Yarn, _) => (
            "yarn install --frozen-lockfile",
            "yarn install --frozen-lockfile --production",
            "yarn install --frozen-lockfile --production",
            "yarn",
        ),
        (Manager::YarnBerry, _) => (
            "yarn install --immutable",
            "yarn workspaces focus --all --production",
            "yarn workspaces focus --all --production",
            "yarn",
        ),
        (Manager::Pnpm, _) => (
            "pnpm install --frozen-lockfile",
            "pnpm install --frozen-lockfile --prod",
            "pnpm prune --prod",
            "pnpm",
        ),
    }
}

/// The script package.json names `name`.
fn script<'p>(package: &'p serde_json::Value, name: &str) -> Option<&'p str> {
    package.get("scripts")?.as_object()?.get(name)?.as_str()
}

/// The manifest's framework, else express when package.json depends on it.
fn framework(
    service: &Service,
    package: &serde_json::Value,
) -> Result<Option<Framework>, DetectError> {
    let dependency = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|section| package.get(section).and_then(|d| d.get(name)).is_some())
    };
    let framework = service
        .framework
        .or_else(|| dependency("express").then_some(Framework::Express));
    if let Some(other) = framework.filter(|f| f.language() != Language::Node) {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!("framework `{}` is not a Node framework", other.name()),
            hint: Some("use express, or remove `framework:`".to_string()),
        });
    }
    Ok(framework)
}

/// The start command: the `start` script, else `main` or the usual entry files.
fn start(
    service: &Service,
    dir: &Path,
    package: &serde_json::Value,
    plug_n_play: bool,
    build: bool,
) -> Result<Vec<String>, DetectError> {
    let start = match script(package, "start") {
        // Plug'n'Play resolves modules through yarn, whatever the script says.
        Some(_) if plug_n_play => vec!["yarn".to_string(), "start".to_string()],
        // A plain `node file` runs node directly, so signals reach it without npm between.
        Some(command) if is_plain_node(command) => shell_words::split(command).unwrap_or_default(),
        // npm otherwise: every image has it and it passes SIGTERM on to the script (yarn 1
        // does not), and pnpm would have to be installed in the runtime too.
        Some(_) => vec!["npm".to_string(), "start".to_string()],
        None => {
            let has = |name: &str| dir.join(name).is_file();
            // `main` may name a file the build step writes.
            let main = package
                .get("main")
                .and_then(|m| m.as_str())
                .filter(|m| build || has(m));
            let entry = main
                .or_else(|| {
                    ["index.js", "server.js", "app.js", "main.js"]
                        .into_iter()
                        .find(|f| has(f))
                })
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: "package.json has no `start` script or `main`, and there is no index.js, server.js or app.js".to_string(),
                    hint: Some("add `\"start\": \"node server.js\"` to the scripts in package.json, or set `command:`".to_string()),
                })?;
            let entry = entry.trim_start_matches("./");
            if plug_n_play {
                vec!["yarn".to_string(), "node".to_string(), entry.to_string()]
            } else {
                vec!["node".to_string(), entry.to_string()]
            }
        }
    };
    Ok(start)
}

/// (version, where it came from): the manifest's pin, .nvmrc, .node-version, engines.node.
fn version(service: &Service, dir: &Path, package: &serde_json::Value) -> (String, String) {
    pick(
        service,
        &[
            Version::file(dir, ".nvmrc", major),
            Version::file(dir, ".node-version", major),
            Version::from(
                "engines.node in package.json",
                package
                    .get("engines")
                    .and_then(|e| e.get("node"))
                    .and_then(|n| n.as_str())
                    .and_then(major),
            ),
        ],
        DEFAULT_VERSION,
    )
}

/// `20` from `v20.11.1`, `>=20`, `20.x`; `lts/*` gives nothing.
fn major(text: &str) -> Option<String> {
    MAJOR.captures(text).map(|c| c[1].to_string())
}

/// `node server.js --flag=1`: no shell syntax, no environment assignments, no other program.
fn is_plain_node(command: &str) -> bool {
    let shell = ['&', '|', ';', '>', '<', '$', '`', '(', '*', '~', '\\', '\n'];
    command.starts_with("node ") && !command.contains(shell)
}

#[cfg(test)]
mod tests {
    use super::{is_plain_node, major};

    #[test]
    fn versions_and_start_scripts() {
        assert_eq!(major("v20.11.1").as_deref(), Some("20"));
        assert_eq!(major(">=18 <23").as_deref(), Some("18"));
        assert_eq!(major("20.x").as_deref(), Some("20"));
        assert_eq!(major("lts/*"), None);
        assert!(is_plain_node("node server.js"));
        assert!(is_plain_node(
            "node --enable-source-maps dist/index.js --port=3000"
        ));
        assert!(!is_plain_node("NODE_ENV=production node server.js"));
        assert!(!is_plain_node("node a.js && node b.js"));
        assert!(!is_plain_node("node server.js > log.txt"));
        assert!(!is_plain_node("nodemon server.js"));
    }
}
