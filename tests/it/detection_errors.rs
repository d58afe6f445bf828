//! Detection problems are manifest problems: `config`, `plan` and `doctor` report every
//! service stack cannot build, at once, at the service's place in stack.yaml; and what
//! detection needs to be told (`framework: none`, a `command`) is accepted.

use crate::common::{Project, require_engine};

/// Three services stack cannot build, for three different reasons, and one it can.
fn project() -> Project {
    let project = Project::new();
    project
        .file("invoices/composer.json", "{\"require\": {\"php\": \"^8.2\"}}\n")
        .file("invoices/index.php", "<?php echo 'invoices';\n")
        .file("notes/README.md", "# just notes\n")
        .file("wasm/Cargo.toml", "[package]\nname = \"wasm\"\nversion = \"0.1.0\"\n")
        .file("wasm/.cargo/config.toml", "[build]\ntarget = \"wasm32-wasip1\"\n")
        .file("wasm/src/main.rs", "fn main() {}\n")
        .file("api/requirements.txt", "flask==3.0.3\n")
        .file("api/app.py", "from flask import Flask\n\napp = Flask(__name__)\n")
        .file(
            "stack.yaml",
            "services:\n  api: { path: ./api, port: 5000 }\n  invoices:\n    path: ./invoices\n  notes: { path: ./notes }\n  wasm:\n    path: ./wasm\n",
        );
    project
}

#[test]
fn config_reports_every_service_stack_cannot_build_at_its_place() {
    let project = project();
    // Exit code 2; one diagnostic per service, pointing at its key: PHP has no template,
    // notes/ has no language stack knows (what it looked for), the crate targets wasm32.
    insta::assert_snapshot!(project.run(["config"]).normalized());
}

#[test]
fn plan_rejects_the_same_services_the_same_way() {
    let project = project();
    let config = project.run(["config"]);
    // No engine is asked: detection comes before it.
    let missing = project.path().join("no-such.sock");
    let plan = crate::common::Output::of(
        project
            .stack()
            .arg("plan")
            .env("DOCKER_HOST", format!("unix://{}", missing.display())),
    );
    assert_eq!(plan.code, 2);
    assert_eq!(plan.stderr, config.stderr);
}

#[test]
fn doctor_says_the_manifest_is_invalid_when_a_service_cannot_be_built() {
    require_engine!();
    let out = project().run(["doctor"]);
    assert_eq!(out.code, 2, "{}", out.normalized());
    assert!(
        out.stdout.contains("manifest  --  invalid (see below)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("stack has no template for PHP yet: add a Dockerfile to the directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn framework_none_and_a_command_are_enough_to_build_a_service() {
    let project = Project::new();
    project
        .file("loadgen/requirements.txt", "locust==2.31.5\n")
        .file("loadgen/locustfile.py", "from locust import HttpUser\n")
        .file("api/requirements.txt", "flask==3.0.3\n")
        .file("api/worker.py", "if __name__ == \"__main__\":\n    print('work')\n")
        .file(
            "stack.yaml",
            "services:\n  loadgen:\n    path: ./loadgen\n    command: locust --headless --host http://api:5000\n  api:\n    path: ./api\n    framework: none\n",
        );
    let config = project.run(["config"]).success();
    let config: serde_json::Value = serde_json::from_str(&config.stdout).expect("json");
    assert_eq!(config["services"]["api"]["framework"], "none");
    let dockerfile = project.run(["dockerfile", "loadgen"]).success();
    assert!(
        dockerfile
            .stdout
            .contains(r#"CMD ["locust", "--headless", "--host", "http://api:5000"]"#),
        "{}",
        dockerfile.stdout
    );
    let dockerfile = project.run(["dockerfile", "api"]).success();
    assert!(
        dockerfile.stdout.contains(r#"CMD ["python", "worker.py"]"#),
        "{}",
        dockerfile.stdout
    );
}

#[test]
fn an_http_framework_without_a_health_check_is_probed_with_an_http_request() {
    let project = Project::new();
    project
        .file("api/requirements.txt", "flask==3.0.3\n")
        .file("api/app.py", "from flask import Flask\n\napp = Flask(__name__)\n")
        .file("cache/requirements.txt", "redis==5.0.8\n")
        .file(
            "cache/server.py",
            "import socketserver\n\nif __name__ == \"__main__\":\n    socketserver.TCPServer((\"\", 7000), None).serve_forever()\n",
        )
        .file(
            "stack.yaml",
            "services:\n  api: { path: ./api, port: 5000 }\n  cache: { path: ./cache, port: 7000 }\n  pinned: { path: ./api, port: 5000, health: { tcp: true } }\n",
        );
    let config = project.run(["config"]).success();
    let config: serde_json::Value = serde_json::from_str(&config.stdout).expect("json");
    let check = |service: &str| config["services"][service]["health"]["check"].clone();
    assert_eq!(check("api"), serde_json::json!({"httpany": {"path": "/"}}));
    assert_eq!(
        check("cache"),
        serde_json::json!("tcp"),
        "not HTTP: a TCP check"
    );
    assert_eq!(
        check("pinned"),
        serde_json::json!("tcp"),
        "what the manifest says stays"
    );
}
