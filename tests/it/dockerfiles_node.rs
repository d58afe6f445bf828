//! Generated Dockerfiles for Node services: npm, yarn, pnpm, and a build step.

use crate::common::generated;

#[test]
fn express_with_npm_runs_node_directly() {
    let (detection, dockerfile) = generated("node-express-npm", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("express"));
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("20", "engines.node in package.json")
    );
    assert_eq!(detection.start, ["node", "server.js"]);
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn yarn_with_a_shell_start_script_runs_it_through_yarn() {
    let (detection, dockerfile) = generated("node-yarn", false, |_| {});
    assert_eq!(detection.start, ["yarn", "start"]);
    assert_eq!(detection.version_source, "default");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn pnpm_without_a_start_script_runs_main() {
    let (detection, dockerfile) = generated("node-pnpm", false, |_| {});
    assert_eq!(detection.start, ["node", "main.js"]);
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("22", ".nvmrc")
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_build_script_runs_in_the_build_stage_and_dev_dependencies_are_pruned() {
    let (detection, dockerfile) = generated("node-build", true, |service| {
        service.build.build_packages = vec!["python3".to_string(), "g++".to_string()];
    });
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("20", ".node-version")
    );
    assert!(
        dockerfile.contains("RUN npm run build \\\n && npm prune --omit=dev"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}
