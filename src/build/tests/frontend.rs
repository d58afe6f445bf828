//! Node front ends and apps whose port is in their code: built to a static site served by
//! nginx as a non-root user, or run by their framework's server; the dev server recorded
//! for `stack watch`; native addons compiled in the build stage only.

use crate::detect::detection::{Details, Detection};
use crate::detect::node::Node;

use super::{Project, generated, service_at};

fn node(detection: &Detection) -> &Node {
    match &detection.details {
        Details::Node(node) => node,
        other => panic!("Node details: {other:?}"),
    }
}

fn framework(detection: &Detection) -> Option<&'static str> {
    detection.framework.map(|f| f.name())
}

const NGINX: [&str; 5] = ["nginx", "-e", "stderr", "-c", "/etc/nginx/stack.conf"];

#[test]
fn create_react_app_is_built_and_served_static_with_a_fallback_to_index_html() {
    let (detection, dockerfile) = generated("node-cra", false, |_| {});
    assert_eq!(framework(&detection), Some("react"));
    assert_eq!(detection.start, NGINX);
    assert_eq!(detection.default_port, Some(3000));
    assert_eq!(
        node(&detection).dev.as_deref(),
        Some(
            [
                "env",
                "HOST=0.0.0.0",
                "BROWSER=none",
                "PORT=3000",
                "npx",
                "react-scripts",
                "start"
            ]
            .map(String::from)
            .as_slice()
        )
    );
    let (build, runtime) = dockerfile
        .split_once("# --- runtime stage")
        .expect("two stages");
    assert!(
        build.contains("RUN npm ci\n"),
        "dev dependencies build the site"
    );
    assert!(!build.contains("prune"), "{build}");
    assert!(
        runtime.contains("try_files $uri $uri/ /index.html"),
        "{runtime}"
    );
    assert!(runtime.contains("USER 10001:10001"), "{runtime}");
    assert!(
        !runtime.contains("FROM node"),
        "no Node in a static site's image"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn vite_angular_and_vue_builds_serve_their_output_on_their_configured_port() {
    let (detection, dockerfile) = generated("node-vite-react", false, |_| {});
    assert_eq!(framework(&detection), Some("vite"));
    assert_eq!(
        detection.default_port,
        Some(3000),
        "vite.config's server.port"
    );
    assert!(dockerfile.contains("site=dist"), "{dockerfile}");
    let (detection, dockerfile) = generated("node-angular", false, |_| {});
    assert_eq!(framework(&detection), Some("angular"));
    assert_eq!(
        detection.default_port,
        Some(4300),
        "angular.json's serve port"
    );
    assert!(dockerfile.contains("site=dist/shop-admin"), "{dockerfile}");
    assert_eq!(
        node(&detection).dev.as_deref().map(|d| d.join(" ")),
        Some("npx ng serve --host 0.0.0.0 --port 4300".to_string())
    );
    let (detection, _) = generated("node-vue-cli", false, |_| {});
    assert_eq!(framework(&detection), Some("vue"));
    assert_eq!(detection.default_port, Some(8080));
}

#[test]
fn next_nuxt_and_sveltekit_run_their_own_servers() {
    let (detection, dockerfile) = generated("node-next", false, |service| {
        service.port = Some(3100);
    });
    assert_eq!(
        detection.start,
        [
            "node_modules/.bin/next",
            "start",
            "-H",
            "0.0.0.0",
            "-p",
            "3100"
        ]
    );
    assert!(
        dockerfile.contains("mkdir -p /app/.next/cache"),
        "next writes its cache at run time: {dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
    let (detection, _) = generated("node-nuxt", false, |_| {});
    assert_eq!(detection.start, ["node", ".output/server/index.mjs"]);
    let (detection, dockerfile) = generated("node-sveltekit", false, |_| {});
    assert_eq!(detection.start, ["node", "build"]);
    assert!(dockerfile.contains("HOST=0.0.0.0"), "{dockerfile}");
}

#[test]
fn an_express_app_listens_on_its_port_fallback_and_gets_port_set() {
    let (detection, dockerfile) = generated("node-express-4000", false, |_| {});
    assert_eq!(detection.start, ["node", "src/server.js"]);
    assert_eq!(detection.default_port, Some(4000));
    assert_eq!(
        detection.port_source,
        "`app.listen(PORT, () => { console.log(`orders listening on port ${PORT}`); })` in src/server.js:5"
    );
    assert!(
        dockerfile.contains("ENV PORT=4000\nEXPOSE 4000\n"),
        "{dockerfile}"
    );
    assert_eq!(
        node(&detection).dev.as_deref().map(|d| d.join(" ")),
        Some("npm run dev".to_string())
    );
}

#[test]
fn a_native_addon_gets_its_compilers_in_the_build_stage_only() {
    let (detection, dockerfile) = generated("node-native-bcrypt", false, |_| {});
    assert!(node(&detection).native);
    assert_eq!(detection.default_port, Some(8000));
    let (build, runtime) = dockerfile
        .split_once("# --- runtime stage")
        .expect("two stages");
    assert!(build.contains("python3 make g++"), "{build}");
    assert!(build.contains("npm_config_nodedir="), "{build}");
    assert!(!runtime.contains("g++"), "{runtime}");
    let (detection, _) = generated("node-express-4000", false, |_| {});
    assert!(!node(&detection).native);
}

#[test]
fn an_app_that_binds_localhost_is_warned_about() {
    let project = Project::new();
    project
        .file(
            "package.json",
            r#"{"name": "x", "dependencies": {"express": "4"}}"#,
        )
        .file(
            "index.js",
            "const app = require('express')();\napp.listen(8081, 'localhost');\n",
        );
    let service = service_at("admin", project.path());
    let detection = crate::detect::detection::detect(&service).expect("detects");
    assert_eq!(
        detection.warnings,
        [
            "service `admin` binds localhost (`app.listen(8081, 'localhost')` in index.js:2): inside its container nothing outside reaches it; bind 0.0.0.0 instead"
        ]
    );
}
