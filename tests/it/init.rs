//! `stack init` on a monorepo: the manifest it prints, what it refuses, and that the
//! manifest it writes comes up healthy on the real engine.

use crate::common::{CA_BUNDLE, LiveProject, Project, require_engine};

#[test]
fn init_prints_one_service_per_language_and_the_compose_image_service() {
    let project = Project::copy_of("monorepo", "monorepo-");
    let out = project.run(["init"]);
    // The manifest on stdout; on stderr `found 5 services (with compose.yaml): api,
    // ingest, pricer, web, redis` and `warning: redis: not carried over: `restart``.
    insta::assert_snapshot!(out.normalized());
    assert!(
        !out.stdout.contains("left-pad") && !out.stdout.contains("decoy"),
        "{}",
        out.stdout
    );
    assert!(
        !project.path().join("stack.yaml").exists(),
        "init without --write writes nothing"
    );
}

#[test]
fn init_writes_only_with_write_and_replaces_only_with_force() {
    let project = Project::copy_of("monorepo", "monorepo-");
    let printed = project.run(["init"]).success().stdout;
    let wrote = project.run(["init", "--write"]).success();
    assert!(
        wrote.stderr.contains("wrote stack.yaml"),
        "{}",
        wrote.stderr
    );
    let written = std::fs::read_to_string(project.path().join("stack.yaml")).expect("written");
    assert_eq!(written.trim_end(), printed.trim_end());

    // The loader accepts it as it is.
    let config = project.run(["config"]).success();
    let config: serde_json::Value = serde_json::from_str(&config.stdout).expect("json");
    // The compose file's redis has no healthcheck: its recipe's, in redis's protocol.
    assert_eq!(config["services"]["redis"]["health"]["check"], "redis");
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
    // Exit code 2, `stack.yaml already exists; init does not overwrite it` and the hint
    // to pass `--force`.
    insta::assert_snapshot!(
        "init_does_not_overwrite",
        project.run(["init", "--write"]).normalized()
    );
    let kept = std::fs::read_to_string(project.path().join("stack.yaml")).expect("kept");
    assert_eq!(kept, "# mine\n");

    project.run(["init", "--write", "--force"]).success();
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
    project.run(["init", "--write"]).success();
    let written = std::fs::read_to_string(project.path().join("stack.yaml")).expect("written");
    assert!(
        written.contains("POSTGRES_PASSWORD: \"${DB_PASSWORD:?set DB_PASSWORD}\""),
        "{written}"
    );
    // Loading it for real still asks for the variable.
    let config = project.run(["config"]);
    assert_eq!(config.code, 2, "{}", config.stderr);
    assert!(
        config
            .stderr
            .contains("`DB_PASSWORD` is required but not set"),
        "{}",
        config.stderr
    );
}

#[test]
fn init_finds_nothing_in_a_folder_without_services() {
    let project = Project::new();
    project.file("docs/index.md", "# docs\n");
    // Exit code 2, `found no services in [TEMP]` and a hint with the files looked for.
    insta::assert_snapshot!(project.run(["init"]).normalized());
}

#[test]
fn the_manifest_init_writes_comes_up_healthy() {
    require_engine!();
    let project = Project::copy_of("monorepo", "it-init-");
    project.run(["init", "--write"]).success();
    let live = LiveProject::adopt(project);
    // Five services build and start side by side: their lines come in any order.
    let up = live
        .run(["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"])
        .success();
    assert!(up.stderr.contains("5 services ready in"), "{}", up.stderr);

    let stdout = live.run(["ps", "--json"]).success().stdout;
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

    live.run(["down", "--volumes"]).success();
    assert!(
        live.container_ids().is_empty(),
        "down removed every container"
    );
}
