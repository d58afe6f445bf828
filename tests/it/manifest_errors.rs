//! What a user sees for each kind of manifest mistake: every problem at once, with file,
//! line, column, service and a hint; exit code 2.

use serde_json::json;

use crate::common::{Output, Project};

/// Runs `stack config` in a project holding `manifest` and returns stderr of the failure.
fn problems(project: &Project, manifest: &str) -> String {
    project.file("stack.yaml", manifest);
    let output = project.stack().arg("config").output().expect("stack runs");
    assert_eq!(output.status.code(), Some(2), "manifest errors exit with 2");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout when the manifest is invalid"
    );
    String::from_utf8(output.stderr).expect("utf-8")
}

/// Two services stack can build (`config` runs detection too): a Flask app and a Node one.
fn with_service_dirs() -> Project {
    let project = Project::new();
    project.file("api/requirements.txt", "flask==3.0.3\n");
    project.file(
        "api/app.py",
        "from flask import Flask\n\napp = Flask(__name__)\n",
    );
    project.file(
        "web/package.json",
        "{\"scripts\": {\"start\": \"node server.js\"}}\n",
    );
    project.file("web/server.js", "\n");
    project
}

#[test]
fn up_stops_at_a_manifest_error_before_asking_the_engine() {
    let project = with_service_dirs();
    project.file(
        "stack.yaml",
        "services:\n  api:\n    path: ./api\n    prot: 8000\n",
    );
    // An engine address that cannot answer: the error is the manifest's, not the engine's.
    let missing = project.path().join("no-such.sock");
    let out = Output::of(
        project
            .stack()
            .args(["up", "-d", "--progress", "plain"])
            .env("DOCKER_HOST", format!("unix://{}", missing.display())),
    );
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn unknown_keys_suggest_the_nearest_valid_key() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "servics: {}\nservices:\n  api:\n    path: ./api\n    prot: 8000\n    health: { htp: /healthz }\n",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn every_problem_is_reported_at_once() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "\
services:
  api:
    path: ./api
    port: 70000
    depends_on: [db, cahce]
  web:
    path: ./web
    image: node:22
  db:
    env: { POSTGRES_PASSWORD: app }
",
    );
    insta::assert_snapshot!(text);
    assert!(
        text.ends_with("error: stack.yaml is invalid (4 problems)\n"),
        "{text}"
    );
}

#[test]
fn a_dependency_cycle_is_shown_with_its_path() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "\
services:
  api: { path: ./api, depends_on: [worker] }
  worker: { path: ./web, depends_on: [queue] }
  queue: { image: redis:7, depends_on: [api] }
  web: { path: ./web, depends_on: [web] }
",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_path_outside_the_project_or_missing_is_an_error() {
    let project = with_service_dirs();
    project.file("../outside-stack-test/app.py", "\n");
    let text = problems(
        &project,
        "services:\n  api: { path: ../outside-stack-test }\n  web: { path: ./nowhere }\n",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn names_ports_and_values_are_checked() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "\
name: My Project
services:
  My_API:
    path: ./api
    port: http
  web:
    path: ./web
    port: 3000
    host_port: 0
    task: yes
    health: { http: healthz, timeout: soon }
    build: { build_packages: [\"g++; rm -rf /\"] }
    volumes: [\"data:relative/path\"]
",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn required_variables_are_named_and_defaults_come_from_dotenv() {
    let project = with_service_dirs();
    project.file(".env", "API_PORT=9000\n");
    project.file(
        "stack.yaml",
        "services:\n  api:\n    path: ./api\n    port: ${API_PORT:-8000}\n    env: { GREETING: \"${GREETING:-hello} $$HOME\" }\n",
    );
    let output = project.stack().arg("config").output().expect("stack runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(config["services"]["api"]["port"], 9000);
    assert_eq!(config["services"]["api"]["env"]["GREETING"], "hello $HOME");

    // The environment wins over .env.
    let output = project
        .stack()
        .arg("config")
        .env("API_PORT", "9100")
        .output()
        .expect("stack runs");
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(config["services"]["api"]["port"], 9100);

    let text = problems(
        &project,
        "services:\n  api:\n    path: ./api\n    env: { TOKEN: \"${API_TOKEN:?create one at /settings/tokens}\" }\n",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn invalid_yaml_points_at_the_line() {
    let project = with_service_dirs();
    let text = problems(&project, "services:\n  api:\n    path: ./api\n   port: 1\n");
    insta::assert_snapshot!(text);
}

#[test]
fn gateway_routes_must_name_services_with_ports() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "\
services:
  api: { path: ./api, port: 8000 }
  worker: { path: ./web }
gateway:
  port: 8080
  routes: { /api/: api, /jobs/: worker, /: wbe, nope: api }
",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn gateway_prefixes_are_plain_paths_and_debian_releases_are_known() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "\
services:
  api: { path: ./api, port: 8000, build: { debian: trixy } }
gateway:
  port: 8080
  routes: { \"/api; return 200\": api }
",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn the_gateway_becomes_a_service_with_defaults() {
    let project = with_service_dirs();
    project.file(
        "stack.yaml",
        "services:\n  api: { path: ./api, port: 8000 }\n  web: { path: ./web, port: 3000, build: { debian: trixie } }\ngateway:\n  port: 8080\n  routes: { /: web, /api/: api }\n",
    );
    let output = project.stack().arg("config").output().expect("stack runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let gateway = &config["services"]["gateway"];
    assert_eq!(gateway["source"]["image"], "nginx:stable");
    assert_eq!(gateway["host_port"], 8080);
    assert_eq!(gateway["depends_on"], serde_json::json!(["api", "web"]));
    assert_eq!(gateway["health"]["check"]["http"]["path"], "/_stack/health");
    // Longest prefix first.
    assert_eq!(config["gateway"]["routes"][0]["prefix"], "/api/");
    assert_eq!(config["services"]["api"]["build"]["debian"], "bookworm");
    assert_eq!(config["services"]["web"]["build"]["debian"], "trixie");
}

#[test]
fn protocol_checks_need_a_port_a_true_or_a_name_and_come_alone() {
    let project = Project::new();
    let text = problems(
        &project,
        "services:\n  rpc:\n    image: shop/rpc:1\n    health: { grpc: true }\n  db:\n    image: shop/db:1\n    port: 5432\n    health: { postgres: false }\n  cache:\n    image: shop/cache:1\n    port: 6379\n    health: { redis: yes }\n  broker:\n    image: shop/broker:1\n    port: 5672\n    health: { amqp: true, kafka: true }\n  orders:\n    image: shop/orders:1\n    port: 50051\n    health: { grpc: \"shop Orders\" }\n  misc:\n    image: shop/misc:1\n    health: { timeout: 5s }\n",
    );
    insta::assert_snapshot!(text);
}

#[test]
fn well_known_images_get_their_protocols_check_on_their_usual_port() {
    let project = Project::new();
    project.file(
        "stack.yaml",
        "services:\n  db:\n    image: postgres:15\n    env: { POSTGRES_USER: shop }\n  cache: { image: \"valkey/valkey:8\", port: 7000 }\n  queue: { image: rabbitmq:4.0, health: { timeout: 5m } }\n  events: { image: apache/kafka:3.9.0 }\n  sql: { image: mariadb:11.8 }\n  web: { image: nginx:1.27 }\n  mq: { image: \"eclipse-mosquitto:2\" }\n  docs: { image: mongo:8 }\n  old: { image: postgres:15, health: { cmd: pg_isready } }\n  rpc: { image: shop/rpc:1, port: 50051, health: { grpc: shop.Orders } }\n  seed: { image: postgres:15, task: true, command: psql -h db -c select }\n",
    );
    let out = project.run(["config"]).success();
    let config: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let service = |name: &str| {
        let service = &config["services"][name];
        (
            service["port"].clone(),
            service["health"]["check"].clone(),
            service["health"]["timeout"].clone(),
        )
    };
    assert_eq!(
        service("db"),
        (
            json!(5432),
            json!({ "postgres": { "user": "shop" } }),
            json!("2m")
        )
    );
    // A written port wins; the check goes through it.
    assert_eq!(service("cache"), (json!(7000), json!("redis"), json!("2m")));
    // Only timing written: the recipe's check, with that timing.
    assert_eq!(service("queue"), (json!(5672), json!("amqp"), json!("5m")));
    assert_eq!(
        service("events"),
        (json!(9092), json!("kafka"), json!("2m"))
    );
    assert_eq!(service("sql"), (json!(3306), json!("mysql"), json!("2m")));
    assert_eq!(
        service("web"),
        (
            json!(80),
            json!({ "httpany": { "path": "/" } }),
            json!("2m")
        )
    );
    assert_eq!(service("mq"), (json!(1883), json!("tcp"), json!("2m")));
    assert_eq!(service("docs"), (json!(27017), json!("tcp"), json!("2m")));
    // A check written wins, and a command needs no port.
    assert_eq!(
        service("old"),
        (json!(null), json!({ "cmd": ["pg_isready"] }), json!("2m"))
    );
    assert_eq!(
        service("rpc"),
        (
            json!(50051),
            json!({ "grpc": { "service": "shop.Orders" } }),
            json!("2m")
        )
    );
    // A task is done when it exits: no check, no port.
    assert_eq!(service("seed"), (json!(null), json!(null), json!(null)));
}

#[test]
fn watch_rules_say_what_each_action_needs() {
    let project = with_service_dirs();
    let text = problems(
        &project,
        "services:
  api:
    path: ./api
    watch:
      - { path: ./api, action: synk }
      - { path: ./api/static, action: sync+exec }
      - { path: ./api, action: rebuild, target: /app }
      - { path: ../outside, action: sync }
      - { action: restart }
      - { path: ./api, action: sync, ignore: [\"a[b\"] }
      - { path: ./api, action: sync, taget: /x }
      - { path: ./api, action: restart, exec: make }
      - ./api
  db:
    image: postgres:15
    watch:
      - { path: ./db, action: sync }
      - { path: ./db, action: rebuild }
  migrate:
    path: ./api
    task: true
    watch: [{ path: ./api, action: restart }]
  web:
    path: ./web
    watch: { path: ./web, action: sync }
",
    );
    insta::assert_snapshot!(text);
}
