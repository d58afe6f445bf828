//! How a Node project's dependencies get into the image: the package manager its lockfile
//! calls for, pinned, with its install, prune and run commands.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Package managers installed with npm when package.json has no `packageManager` field.
/// npm is the one tool every official Node image has: corepack left Node in 25 and yarn
/// left the images in 26, so stack never relies on either being there.
const YARN_CLASSIC: &str = "1.22.22";
const PNPM: &str = "10.34.9";
/// Corepack for Yarn 2+ (distributed per project through `packageManager`), installed
/// when the image has none.
const COREPACK: &str = "0.36.0";

static PACKAGE_MANAGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(npm|yarn|pnpm)@(\d+\.\d+\.\d+[\w.-]*)").expect("a valid pattern")
});

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

/// The commands of a package manager.
pub(super) struct Commands {
    /// Install with development dependencies (for a build step).
    pub(super) install: &'static str,
    /// Install production dependencies only.
    pub(super) install_production: &'static str,
    /// Remove development dependencies after the build.
    pub(super) prune: &'static str,
    /// The program that runs a script: `npm`, `yarn`, `pnpm`.
    pub(super) run: &'static str,
}

/// Yarn 2+ defaults to Plug'n'Play: no node_modules, so only yarn can start the app.
/// `.yarnrc.yml` may choose another linker.
pub(super) fn plug_n_play(dir: &Path) -> bool {
    !std::fs::read_to_string(dir.join(".yarnrc.yml")).is_ok_and(|rc| {
        rc.lines().any(|l| {
            let l = l.trim();
            l.starts_with("nodeLinker:") && !l.contains("pnp")
        })
    })
}

/// The package manager and its lockfile, by which lockfile is there.
pub(super) fn manager(dir: &Path, berry: bool) -> (Manager, Option<&'static str>) {
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
pub(super) fn pinned_release(package: &serde_json::Value, manager: Manager) -> Option<String> {
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
pub(super) fn dependency_files(dir: &Path, lockfile: Option<&str>) -> Vec<String> {
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
pub(super) fn setup(manager: Manager, pinned: Option<String>) -> Option<String> {
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

/// The commands of `manager`; `locked` when there is a lockfile.
pub(super) fn commands(manager: Manager, locked: bool) -> Commands {
    let (install, install_production, prune, run) = match (manager, locked) {
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
    Commands {
        install,
        install_production,
        prune,
        run,
    }
}
