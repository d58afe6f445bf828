//! What a Docker Compose user does out of habit works, or is answered in stack's terms:
//! `-p`, `--env-file`, several `-f`, the override file, profiles, and Compose's keys.

use crate::common::Project;

fn demo() -> Project {
    let project = Project::new();
    project.file(
        "stack.yaml",
        "name: demo\nservices:\n  api:\n    image: stack-fixture/busybox:1\n    port: 80\n    env: { A: \"1\", B: \"${B:-two}\" }\n    depends_on: [db]\n  db:\n    image: postgres:16\n  debug:\n    image: stack-fixture/busybox:1\n    profiles: [tools]\n",
    );
    project
}

/// `stack ARGS config`, reduced to what the resolved manifest says about this test.
fn summary(project: &Project, args: &[&str]) -> String {
    let out = project
        .run(args.iter().copied().chain(["config"]))
        .success();
    let config: serde_json::Value = serde_json::from_str(&out.stdout).expect("config is JSON");
    let services = config["services"].as_object().expect("services");
    let names: Vec<&str> = services.keys().map(String::as_str).collect();
    format!(
        "name={} services={} api.env={} api.depends_on={}",
        config["name"],
        names.join(","),
        services["api"]["env"],
        services["api"]["depends_on"]
    )
}

#[test]
fn the_override_file_beside_stack_yaml_is_merged_and_named_in_errors() {
    let project = demo();
    project.file(
        "stack.override.yaml",
        "services:\n  api:\n    env: { B: three, C: \"4\" }\n    depends_on: [db]\n",
    );
    insta::assert_snapshot!(summary(&project, &[]), @r#"name="demo" services=api,db api.env={"A":"1","B":"three","C":"4"} api.depends_on=["db"]"#);
    project.file(
        "stack.override.yaml",
        "services:\n  api:\n    host_port: 99999\n",
    );
    insta::assert_snapshot!(project.run(["config"]).normalized());
}

#[test]
fn several_files_merge_in_order_and_errors_name_the_file_of_the_value() {
    let project = demo();
    // With `-f`, the override file is not read, as in Compose.
    project.file("stack.override.yaml", "services:\n  api:\n    port: nope\n");
    project.file("ci.yaml", "name: ci\nservices:\n  api:\n    env: [B=ci]\n");
    insta::assert_snapshot!(summary(&project, &["-f", "stack.yaml", "-f", "ci.yaml"]), @r#"name="ci" services=api,db api.env={"A":"1","B":"ci"} api.depends_on=["db"]"#);
    project.file("bad.yaml", "services:\n  api:\n    depends_on: [cache]\n");
    insta::assert_snapshot!(
        project
            .run(["-f", "stack.yaml", "-f", "bad.yaml", "config"])
            .normalized()
    );
}

#[test]
fn project_name_and_env_file_come_from_the_command_line_or_the_environment() {
    let project = demo();
    project.file(".env", "B=from-dotenv\n");
    project.file("ci.env", "B=from-ci\n");
    insta::assert_snapshot!(summary(&project, &[]), @r#"name="demo" services=api,db api.env={"A":"1","B":"from-dotenv"} api.depends_on=["db"]"#);
    insta::assert_snapshot!(summary(&project, &["-p", "other", "--env-file", "ci.env"]), @r#"name="other" services=api,db api.env={"A":"1","B":"from-ci"} api.depends_on=["db"]"#);
    let out = project.run(["config"]).success();
    assert!(out.stdout.contains("\"name\": \"demo\""));
    let from_env = crate::common::Output::of(
        project
            .stack()
            .env("STACK_PROJECT_NAME", "from-env")
            .arg("config"),
    );
    assert!(
        from_env.stdout.contains("\"name\": \"from-env\""),
        "{}",
        from_env.normalized()
    );
    insta::assert_snapshot!(project.run(["-p", "Not Valid", "config"]).normalized());
    insta::assert_snapshot!(
        project
            .run(["--env-file", "missing.env", "config"])
            .normalized()
    );
    project.file("bad.env", "B=1\nnot a pair\n");
    insta::assert_snapshot!(
        project
            .run(["--env-file", "bad.env", "config"])
            .normalized()
    );
}

#[test]
fn profiles_choose_services_and_a_dependency_on_an_inactive_one_names_both() {
    let project = demo();
    insta::assert_snapshot!(summary(&project, &["--profile", "tools"]), @r#"name="demo" services=api,db,debug api.env={"A":"1","B":"two"} api.depends_on=["db"]"#);
    let from_env = crate::common::Output::of(
        project
            .stack()
            .env("STACK_PROFILES", "other,tools")
            .args(["config", "--services"]),
    );
    assert_eq!(
        from_env.stdout,
        "api\ndb\ndebug\n",
        "{}",
        from_env.normalized()
    );
    let out = project.run(["config", "--services"]).success();
    assert_eq!(out.stdout, "api\ndb\n");
    project.file(
        "stack.override.yaml",
        "services:\n  api:\n    depends_on: [debug]\n",
    );
    insta::assert_snapshot!(project.run(["config"]).normalized());
    project.run(["--profile", "tools", "config"]).success();
}

#[test]
fn compose_keys_get_hints_in_stacks_terms() {
    let project = Project::new();
    project.file("web/index.html", "hi\n");
    project.file(
        "stack.yaml",
        "version: \"3.8\"\nservices:\n  web:\n    build: ./web\n    ports: [\"8080:80\"]\n    environment: { A: 1 }\n    container_name: my-web\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n    depends_on:\n      db: { condition: service_healthy }\n  db:\n    image: postgres:16\n    ports:\n      - 5432\n    environment: { A: 1 }\n    environment: { B: 2 }\n",
    );
    insta::assert_snapshot!(project.run(["config"]).normalized());
    project.file(
        "stack.yaml",
        "version: \"3.8\"\nservices:\n  web:\n    build: ./web\n    ports: [\"8080:80\"]\n    environment: { A: 1 }\n    container_name: my-web\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n    depends_on:\n      db: { condition: service_healthy }\n  db:\n    image: postgres:16\n    ports:\n      - 5432\nvolumes:\n  data: {}\n",
    );
    insta::assert_snapshot!(project.run(["config"]).normalized());
}

#[test]
fn a_folder_with_only_a_compose_file_is_told_to_run_init_write() {
    let project = Project::new();
    project.file("compose.yaml", "services:\n  db: { image: postgres:16 }\n");
    insta::assert_snapshot!(project.run(["up", "-d"]).normalized());
}
