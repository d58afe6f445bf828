//! Node services: package manager by lockfile, the start command from package.json, the
//! version from .nvmrc, .node-version or engines.node.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::error::DetectError;
use crate::detect::version::{Version, pick};
use crate::language::{Framework, Language};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &["package.json"];

/// The Node used when nothing pins one: the current LTS line.
pub const DEFAULT_VERSION: &str = "22";

/// The default port of Node web apps by convention.
const DEFAULT_PORT: u16 = 3000;

/// How dependencies are installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Manager {
    Npm,
    /// Yarn 1, `yarn.lock` without `__metadata`.
    Yarn,
    /// Yarn 2 and later.
    YarnBerry,
    Pnpm,
}

/// Facts about a Node service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub manager: Manager,
    /// The lockfile, when there is one.
    pub lockfile: Option<String>,
    /// The install command with development dependencies (for a build step).
    pub install: String,
    /// The install command for production dependencies only.
    pub install_production: String,
    /// `package.json` has a `build` script, run in the build stage.
    pub build: bool,
    /// The command that runs it.
    pub run_build: String,
    /// The command that removes development dependencies after the build.
    pub prune: String,
    /// Needs corepack for yarn or pnpm.
    pub corepack: bool,
}

static MAJOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+)").expect("a valid pattern"));

pub fn matches(dir: &Path) -> bool {
    dir.join("package.json").is_file()
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let path = dir.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path: path.clone(),
        source,
    })?;
    let package: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| DetectError::Invalid {
            service: service.name.clone(),
            message: format!("package.json is not valid JSON: {e}"),
            hint: None,
        })?;
    let has = |name: &str| dir.join(name).is_file();
    let berry = std::fs::read_to_string(dir.join("yarn.lock"))
        .is_ok_and(|lock| lock.contains("__metadata:"));
    let (manager, lockfile) = if has("pnpm-lock.yaml") {
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
    };
    let (install, install_production, prune, run) = match (manager, lockfile.is_some()) {
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
    };
    let scripts = package.get("scripts").and_then(|s| s.as_object());
    let script = |name: &str| scripts.and_then(|s| s.get(name)?.as_str());
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

    let start = match script("start") {
        // A plain `node file` runs node directly, so signals reach it without npm between.
        Some(command) if is_plain_node(command) => shell_words::split(command).unwrap_or_default(),
        Some(_) => vec![run.to_string(), "start".to_string()],
        None => {
            let main = package
                .get("main")
                .and_then(|m| m.as_str())
                .filter(|m| has(m));
            let entry = main
                .or_else(|| ["server.js", "index.js", "app.js", "main.js"].into_iter().find(|f| has(f)))
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: "package.json has no `start` script and there is no entry file".to_string(),
                    hint: Some("add `\"start\": \"node server.js\"` to package.json scripts, or set `command:`".to_string()),
                })?;
            vec!["node".to_string(), entry.to_string()]
        }
    };
    let (version, version_source) = pick(
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
    );
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
            install: install.to_string(),
            install_production: install_production.to_string(),
            build: script("build").is_some(),
            run_build: format!("{run} run build"),
            prune: prune.to_string(),
            corepack: matches!(manager, Manager::Yarn | Manager::YarnBerry | Manager::Pnpm),
        }),
    })
}

/// `20` from `v20.11.1`, `>=20`, `20.x`, `lts/*` gives nothing.
fn major(text: &str) -> Option<String> {
    MAJOR.captures(text).map(|c| c[1].to_string())
}

/// `node server.js --flag`: no shell syntax, no environment assignments, no other program.
fn is_plain_node(command: &str) -> bool {
    let shell = ['&', '|', ';', '>', '<', '$', '`', '=', '(', '*'];
    command.starts_with("node ") && !command.contains(shell)
}

#[cfg(test)]
mod tests {
    use super::{is_plain_node, major};

    #[test]
    fn versions_and_start_scripts() {
        assert_eq!(major("v20.11.1").as_deref(), Some("20"));
        assert_eq!(major(">=18 <23").as_deref(), Some("18"));
        assert_eq!(major("lts/*"), None);
        assert!(is_plain_node("node server.js"));
        assert!(!is_plain_node("NODE_ENV=production node server.js"));
        assert!(!is_plain_node("node a.js && node b.js"));
        assert!(!is_plain_node("nodemon server.js"));
    }
}
