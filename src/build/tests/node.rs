//! Generated Dockerfiles for Node services: npm, yarn, pnpm, a build step, no lockfile,
//! and what detection says when there is nothing to start.

use crate::build::dockerfile::{RenderOptions, render};
use crate::detect::detection::{Detection, detect};

use super::{Project, generated, service_at};

/// (version, where it came from).
fn version(detection: &Detection) -> (&str, &str) {
    (
        detection.version.as_str(),
        detection.version_source.as_str(),
    )
}

/// Detection and Dockerfile for a temporary project.
fn generated_in(project: &Project) -> (Detection, String) {
    let service = service_at("app", project.path());
    let detection = detect(&service).unwrap_or_else(|e| panic!("{e} ({:?})", e.hint()));
    let rendered = render(&service, &detection, &RenderOptions::default());
    (detection, rendered.dockerfile)
}

/// The message and hint for a temporary project that detection rejects.
fn error_in(project: &Project) -> String {
    let error = detect(&service_at("app", project.path())).expect_err("detection fails");
    format!("{error}\nhint: {}", error.hint().unwrap_or_default())
}

#[test]
fn express_with_npm_runs_node_directly() {
    let (detection, dockerfile) = generated("node-express-npm", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("express"));
    assert_eq!(version(&detection), ("20", "engines.node in package.json"));
    assert_eq!(detection.start, ["node", "server.js"]);
    assert_eq!(detection.default_port, Some(3000));
    assert!(
        dockerfile.contains("RUN npm ci --omit=dev\n"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn yarn_with_a_shell_start_script_runs_it_through_npm() {
    let (detection, dockerfile) = generated("node-yarn", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("express"));
    assert_eq!(version(&detection), ("22", "default"));
    // npm is in every Node image and passes SIGTERM on; yarn 1 does not.
    assert_eq!(detection.start, ["npm", "start"]);
    assert!(
        dockerfile.contains("RUN yarn install --frozen-lockfile --production\n"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn pnpm_without_a_start_script_runs_main() {
    let (detection, dockerfile) = generated("node-pnpm", false, |_| {});
    assert_eq!(detection.framework, None);
    assert_eq!(detection.start, ["node", "main.js"]);
    assert_eq!(version(&detection), ("22", ".nvmrc"));
    assert!(
        dockerfile.contains("RUN npm install -g pnpm@"),
        "pnpm is pinned, not left to corepack: {dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_build_script_runs_in_the_build_stage_and_dev_dependencies_are_pruned() {
    let (detection, dockerfile) = generated("node-build", true, |service| {
        service.build.build_packages = vec!["python3".to_string(), "g++".to_string()];
        service.build.system_packages = vec!["tini".to_string()];
    });
    assert_eq!(version(&detection), ("20", ".node-version"));
    assert_eq!(detection.start, ["node", "dist/index.js"]);
    let (build, runtime) = dockerfile
        .split_once("FROM node:20-bookworm-slim\n")
        .expect("two stages");
    assert!(
        build.contains(
            "RUN npm ci\nCOPY . .\n\n# --- build stage: build, prune development dependencies ---\nFROM deps AS build\nRUN npm run build \\\n && npm prune --omit=dev"
        ),
        "{dockerfile}"
    );
    assert!(build.contains("g++") && !runtime.contains("g++"));
    assert!(runtime.contains("tini"));
    assert_eq!(dockerfile.matches("COPY stack-ca.crt").count(), 2);
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn without_a_lockfile_npm_install_is_used_and_a_lockfile_recommended() {
    let project = Project::new();
    project
        .file(
            "package.json",
            r#"{"name": "x", "scripts": {"start": "node --enable-source-maps ./index.js --port=8080"}}"#,
        )
        .file("index.js", "");
    let (detection, dockerfile) = generated_in(&project);
    assert_eq!(
        detection.start,
        ["node", "--enable-source-maps", "./index.js", "--port=8080"]
    );
    assert!(
        dockerfile.contains(
            "# No lockfile: versions are resolved at build time. Commit package-lock.json for repeatable builds.\nRUN npm install --omit=dev\n"
        ),
        "{dockerfile}"
    );
}

#[test]
fn yarn_berry_builds_with_the_release_package_json_names() {
    let project = Project::new();
    project
        .file(
            "package.json",
            r#"{"name": "x", "scripts": {"start": "node server.js | pino-pretty"}}"#,
        )
        .file("yarn.lock", "__metadata:\n  version: 8\n")
        .file("server.js", "");
    insta::assert_snapshot!("yarn_berry_without_package_manager", error_in(&project));

    project.file(
        "package.json",
        r#"{"name": "x", "packageManager": "yarn@4.5.3", "scripts": {"start": "node server.js | pino-pretty"}}"#,
    );
    let (detection, dockerfile) = generated_in(&project);
    assert_eq!(detection.start, ["yarn", "start"]);
    assert!(
        dockerfile.contains("COPY --from=build /opt/corepack /opt/corepack"),
        "Plug'n'Play needs yarn at runtime: {dockerfile}"
    );

    project.file(".yarnrc.yml", "nodeLinker: node-modules\n");
    let (detection, dockerfile) = generated_in(&project);
    assert_eq!(detection.start, ["npm", "start"]);
    assert!(
        dockerfile.contains("COPY package.json yarn.lock .yarnrc.yml ./\n")
            && !dockerfile.contains("COPY --from=build /opt/corepack"),
        "with node_modules yarn stays in the build stage: {dockerfile}"
    );
}

#[test]
fn nothing_to_start_is_explained() {
    let project = Project::new();
    project.file("package.json", r#"{"name": "lib", "version": "1.0.0"}"#);
    insta::assert_snapshot!(error_in(&project));
}
