//! `stack init` on a monorepo: the manifest it prints, what it refuses, and that the
//! manifest it writes comes up healthy on the real engine.

use crate::common::{CA_BUNDLE, LiveProject, Project, require_engine};

fn run(project: &Project, args: &[&str]) -> (i32, String, String) {
    let output = project.stack().args(args).output().expect("stack runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn init_prints_one_service_per_language_and_the_compose_image_service() {
    let project = Project::copy_of("monorepo", "monorepo-");
    let (code, stdout, stderr) = run(&project, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
    assert!(
        stderr.contains("found 5 services (with compose.yaml): api, ingest, pricer, web, redis"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: redis: not carried over: `restart`"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("left-pad") && !stdout.contains("decoy"),
        "{stdout}"
    );
    assert!(
        !project.path().join("stack.yaml").exists(),
        "init without --write writes nothing"
    );
}

#[test]
fn init_writes_only_with_write_and_replaces_only_with_force() {
    let project = Project::copy_of("monorepo", "monorepo-");
    let (_, printed, _) = run(&project, &["init"]);
    let (code, _, stderr) = run(&project, &["init", "--write"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("wrote stack.yaml"), "{stderr}");
    let written = std::fs::read_to_string(project.path().join("stack.yaml")).expect("written");
    assert_eq!(written.trim_end(), printed.trim_end());

    // The loader accepts it as it is.
    let (code, config, stderr) = run(&project, &["config"]);
    assert_eq!(code, 0, "{stderr}");
    let config: serde_json::Value = serde_json::from_str(&config).expect("json");
    assert_eq!(
        config["services"]["redis"]["health"]["check"]["cmd"],
        serde_json::json!(["redis-cli", "ping"])
    );
    assert_eq!(
        config["services"]["ingest"]["depends_on"],
        serde_json::json!(["redis"])
    );
    assert_eq!(
        config["services"]["ingest"]["env"]["REDIS_ADDR"],
        "redis:6379"
    );
    assert_eq!(
        config["services"]["api"]["health"]["check"]["http"]["path"],
        "/healthz"
    );

    std::fs::write(project.path().join("stack.yaml"), "# mine\n").expect("write");
    let (code, _, stderr) = run(&project, &["init", "--write"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("stack.yaml already exists; init does not overwrite it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: pass `--force` to replace it"),
        "{stderr}"
    );
    let kept = std::fs::read_to_string(project.path().join("stack.yaml")).expect("kept");
    assert_eq!(kept, "# mine\n");

    let (code, _, stderr) = run(&project, &["init", "--write", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    let replaced = std::fs::read_to_string(project.path().join("stack.yaml")).expect("replaced");
    assert_eq!(replaced, written);
}

#[test]
fn a_variable_compose_requires_does_not_stop_the_write() {
    let project = Project::new();
    project.file(
        "compose.yaml",
        "services:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n",
    );
    let (code, _, stderr) = run(&project, &["init", "--write"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(project.path().join("stack.yaml")).expect("written");
    assert!(
        written.contains("POSTGRES_PASSWORD: \"${DB_PASSWORD:?set DB_PASSWORD}\""),
        "{written}"
    );
    // Loading it for real still asks for the variable.
    let (code, _, stderr) = run(&project, &["config"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`DB_PASSWORD` is required but not set"),
        "{stderr}"
    );
}

#[test]
fn init_finds_nothing_in_a_folder_without_services() {
    let project = Project::new();
    project.file("docs/index.md", "# docs\n");
    let (code, _, stderr) = run(&project, &["init"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error: found no services in"), "{stderr}");
    assert!(
        stderr.contains("hint: looked for requirements.txt"),
        "{stderr}"
    );
}

#[test]
fn the_manifest_init_writes_comes_up_healthy() {
    require_engine!();
    let project = Project::copy_of("monorepo", "it-init-");
    let (code, _, stderr) = run(&project, &["init", "--write"]);
    assert_eq!(code, 0, "{stderr}");
    let live = LiveProject::adopt(project);
    let (code, stdout, stderr) =
        live.run(&["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"]);
    assert_eq!(code, 0, "stack up failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("5 services ready in"), "{stderr}");

    let (code, stdout, _) = live.run(&["ps", "--json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let mut healthy: Vec<&str> = rows
        .as_array()
        .expect("a list")
        .iter()
        .filter(|row| row["state"] == "running" && row["health"] == "healthy")
        .filter_map(|row| row["service"].as_str())
        .collect();
    healthy.sort_unstable();
    assert_eq!(
        healthy,
        ["api", "ingest", "pricer", "redis", "web"],
        "{stdout}"
    );

    let (code, _, stderr) = live.run(&["down", "--volumes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        live.container_ids().is_empty(),
        "down removed every container"
    );
}
