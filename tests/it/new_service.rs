//! `stack new service` without an engine: the manifest edited as text (comments and order
//! kept), the project's layout followed, every refusal leaving the tree untouched, and the
//! files of each skeleton.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::Project;

/// Every file below `dir` with its bytes: what a refused command must leave as it was.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            let relative = path
                .strip_prefix(dir)
                .expect("below the root")
                .display()
                .to_string();
            if path.is_dir() {
                files.insert(format!("{relative}/"), Vec::new());
                pending.push(path);
            } else {
                files.insert(relative, std::fs::read(&path).expect("a readable file"));
            }
        }
    }
    files
}

/// `stack ARGS` in `project`, the arguments split at spaces: (exit code, stderr).
fn run(project: &Project, args: &str) -> (i32, String) {
    let output = project
        .stack()
        .args(args.split_whitespace())
        .output()
        .expect("stack runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs each of `cases`, which must fail with exit code 2 and leave the tree as it was:
/// the commands and their stderr, as one transcript.
fn refusals(project: &Project, cases: &[&str]) -> String {
    let before = tree(project.path());
    let mut transcript = String::new();
    for args in cases {
        let (code, stderr) = run(project, args);
        assert_eq!(code, 2, "{args}: {stderr}");
        assert_eq!(tree(project.path()), before, "{args} changed the tree");
        transcript.push_str(&format!("$ stack {args}\n{stderr}\n"));
    }
    transcript
}

fn read(project: &Project, file: &str) -> String {
    std::fs::read_to_string(project.path().join(file)).expect("the file exists")
}

const COMMENTED: &str = r#"# Our shop's services. Keep this file tidy: reviewers read it.
name: shop   # the project

services:
    # The catalogue API, owned by team A.
    catalog:
        path: ./catalog       # built from its own Dockerfile
        port: 8000
        env: { LOG_LEVEL: "debug" }

    # Postgres, pinned.
    db:
        image: 'postgres:15'
        health: { cmd: "pg_isready -U postgres" }
# --- end of services ---

gateway:          # routes below
    port: 8080
    routes: { /api/: catalog }
# trailing note
"#;

#[test]
fn a_commented_manifest_keeps_every_comment_and_its_order() {
    let project = Project::new();
    project
        .file("stack.yaml", COMMENTED)
        .file("catalog/Dockerfile", "FROM scratch\n");
    let (code, stderr) = run(
        &project,
        "new service orders --lang python --framework fastapi --version 3.11",
    );
    assert_eq!(code, 0, "{stderr}");
    let after = read(&project, "stack.yaml");
    // Everything that was there is still there, byte for byte, in the same order: the
    // entry is the only addition.
    let added = "    orders:\n        path: orders\n        port: 8000\n        health: { http: /healthz }\n        version: \"3.11\"\n";
    assert_eq!(after.replacen(added, "", 1), COMMENTED);
    insta::assert_snapshot!(format!("--- before\n{COMMENTED}--- after\n{after}"));
    // It follows the layout of the services already there (catalog at the root).
    assert!(project.path().join("orders/main.py").is_file());
    insta::assert_snapshot!("new_service_output", stderr);
    let (code, stderr) = run(&project, "config");
    assert_eq!(code, 0, "the loader accepts the result: {stderr}");
}

#[test]
fn without_a_manifest_one_is_written_and_services_go_under_services() {
    let project = Project::new();
    let (code, stderr) = run(&project, "new service api --lang go");
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(read(&project, "stack.yaml"));
    assert!(project.path().join("services/api/main.go").is_file());

    // A second service joins it.
    let (code, stderr) = run(&project, "new service web --framework express --port 8081");
    assert_eq!(code, 0, "{stderr}");
    let manifest = read(&project, "stack.yaml");
    assert!(
        manifest.ends_with(
            "  web:\n    path: services/web\n    port: 8081\n    health: { http: /healthz }\n"
        ),
        "{manifest}"
    );
    assert!(read(&project, "services/web/server.js").contains("process.env.PORT ?? 8081"));

    // A manifest without services gets its first, even when a route already names it.
    let bare = Project::new();
    bare.file(
        "stack.yaml",
        "name: bare  # no services yet\ngateway: { port: 8080, routes: { /: worker } }\n",
    );
    let (code, stderr) = run(&bare, "new service worker --lang rust");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read(&bare, "stack.yaml"),
        "name: bare  # no services yet\ngateway: { port: 8080, routes: { /: worker } }\nservices:\n  worker:\n    path: services/worker\n    port: 8080\n    health: { http: /healthz }\n"
    );
}

#[test]
fn a_refused_service_writes_nothing() {
    let project = Project::new();
    project
        .file(
            "stack.yaml",
            "services:\n  db:\n    image: redis:7\n  web:\n    path: apps/web\n    port: 3000\n",
        )
        .file("apps/web/Dockerfile", "FROM scratch\n")
        .file("apps/api/notes.txt", "someone's notes\n");
    let cases = [
        "new service My_API --lang python",
        "new service db --lang python",
        "new service api --lang python",
        "new service api2 --lang python --path ../elsewhere",
        "new service api2 --lang pyton",
        "new service api2 --lang python --framework fastap",
        "new service api2 --lang go --framework flask",
        "new service api2 --lang cobol",
        "new service 2fa --lang rust",
        "new service api2 --lang python --framework django --version 3.8",
        "new service api2 --lang node --version latest",
        "new service api2",
        "new",
    ];
    insta::assert_snapshot!(refusals(&project, &cases));
}

#[test]
fn an_invalid_or_flow_style_manifest_is_reported_and_left_alone() {
    let project = Project::new();
    project.file(
        "stack.yaml",
        "services:\n  db:\n    image: redis:7\n    prot: 6379\n",
    );
    let before = tree(project.path());
    let (code, stderr) = run(&project, "new service api --lang go");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown key `prot`"), "{stderr}");
    assert_eq!(tree(project.path()), before);

    project.file("stack.yaml", "services: { db: { image: redis:7 } }\n");
    let before = tree(project.path());
    let (code, stderr) = run(&project, "new service api --lang go");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(tree(project.path()), before);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_recipe_adds_a_complete_entry_with_the_manifests_indentation() {
    let project = Project::new();
    project
        .file("stack.yaml", COMMENTED)
        .file("catalog/Dockerfile", "FROM scratch\n");
    let mut transcript = String::new();
    for args in [
        "new service store --recipe postgres --version 15",
        "new service --recipe redis",
        "new service events --recipe kafka",
        "new service mq --recipe mosquitto",
    ] {
        let (code, stderr) = run(&project, args);
        assert_eq!(code, 0, "{args}: {stderr}");
        transcript.push_str(&format!("$ stack {args}\n{stderr}\n"));
    }
    insta::assert_snapshot!("recipe_output", transcript);
    let after = read(&project, "stack.yaml");
    let start = after.find("    store:").expect("the first new entry");
    let end = after
        .find("# --- end of services ---")
        .expect("the end comment");
    assert_eq!(
        format!("{}{}", &after[..start], &after[end..]),
        COMMENTED,
        "only the entries were added"
    );
    insta::assert_snapshot!("recipe_entries", &after[start..end]);
    // The loader reads the checks it wrote.
    let config = project.run(["config"]).success();
    let config: serde_json::Value = serde_json::from_str(&config.stdout).expect("json");
    let check = |service: &str| config["services"][service]["health"]["check"].clone();
    assert_eq!(
        check("store"),
        serde_json::json!({ "postgres": { "user": "app" } })
    );
    assert_eq!(check("redis"), "redis");
    assert_eq!(check("events"), "kafka");
    assert_eq!(check("mq"), "tcp");
}

#[test]
fn a_refused_recipe_writes_nothing() {
    let project = Project::new();
    project.file(
        "stack.yaml",
        "services:\n  db:\n    image: redis:7\n  backup:\n    image: busybox:1\n    volumes: [\"cache-data:/backup\"]\n",
    );
    let cases = [
        "new service store --recipe postgress",
        "new service store --recipe redis --lang python",
        "new service store --recipe redis --port 7000",
        "new service store --recipe postgres --version 15:latest",
        "new service db --recipe postgres",
        "new service cache --recipe redis",
        "new service Cache --recipe redis",
    ];
    insta::assert_snapshot!(refusals(&project, &cases));
}

/// The files of a skeleton as `stack new service demo` writes them; lockfiles by size.
fn skeleton(args: &str) -> String {
    let project = Project::new();
    let (code, stderr) = run(&project, &format!("new service demo {args}"));
    assert_eq!(code, 0, "{stderr}");
    let dir = project.path().join("services/demo");
    let mut out = String::new();
    for (path, bytes) in tree(&dir) {
        if path.ends_with('/') {
            continue;
        }
        let text = String::from_utf8(bytes).expect("text files");
        if path.ends_with(".lock") || path.ends_with("-lock.json") {
            out.push_str(&format!("=== {path} ({} lines)\n", text.lines().count()));
        } else {
            out.push_str(&format!("=== {path}\n{text}"));
        }
    }
    out
}

#[test]
fn skeleton_files() {
    let skeletons = [
        ("python_fastapi", "--lang python --framework fastapi"),
        (
            "python_flask",
            "--lang python --framework flask --version 3.11",
        ),
        ("python_django", "--lang python --framework django"),
        ("node_express", "--lang node --version 18"),
        ("go_stdlib", "--lang go --port 9090"),
        ("rust_axum", "--lang rust --version 1.95"),
        ("java_httpserver", "--lang java --version 17"),
    ];
    for (name, args) in skeletons {
        insta::assert_snapshot!(format!("skeleton_{name}"), skeleton(args));
    }
}

#[test]
fn the_rust_skeletons_lockfile_lists_the_service_in_cargos_order() {
    for name in ["aaa", "zzz"] {
        let project = Project::new();
        let (code, stderr) = run(&project, &format!("new service {name} --lang rust"));
        assert_eq!(code, 0, "{stderr}");
        let lock = read(&project, &format!("services/{name}/Cargo.lock"));
        let names: Vec<&str> = lock
            .lines()
            .filter_map(|line| line.strip_prefix("name = \""))
            .map(|rest| rest.trim_end_matches('"'))
            .collect();
        assert!(names.contains(&name), "{names:?}");
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
