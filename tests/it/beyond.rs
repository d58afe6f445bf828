//! Beyond one machine, on the real engine: `stack push` to a real registry, and `stack
//! deploy --swarm` / `stack down --swarm` on a real single-node swarm. scripts/test starts
//! the registry (STACK_TEST_REGISTRY) and makes the engine a swarm when it is not one
//! (STACK_TEST_SWARM=1); without them these tests skip, and say so.

use crate::common::{LiveProject, docker, require_engine, skip};

/// The registry scripts/test started, `127.0.0.1:PORT`.
fn registry() -> Option<String> {
    match std::env::var("STACK_TEST_REGISTRY") {
        Ok(address) if !address.is_empty() => Some(address),
        _ => {
            skip("no registry (scripts/test starts one)", "STACK_TEST_ENGINE");
            None
        }
    }
}

/// Whether the engine is a swarm manager (scripts/test makes it one).
fn swarm() -> bool {
    let state = docker(&["info", "--format", "{{.Swarm.ControlAvailable}}"]);
    state == "true"
        || !skip(
            "the engine is not a swarm (scripts/test makes it one)",
            "STACK_TEST_ENGINE",
        )
}

/// One HTTP GET to a loopback address: (status, body).
fn get(address: &str, path: &str) -> (u16, String) {
    crate::common::http(address, "GET", path, None)
}

#[test]
fn push_sends_the_built_images_by_content_hash_and_says_what_is_missing() {
    require_engine!();
    let Some(registry) = registry() else { return };
    let live = LiveProject::new(
        "push",
        "services:\n  svc: { path: ./svc }\n  db: { image: stack-fixture/busybox:1, command: sleep 60 }\n",
    );
    live.project.file(
        "svc/Dockerfile",
        "FROM stack-fixture/busybox:1\nCMD [\"sleep\", \"60\"]\n",
    );
    let prefix = format!("{registry}/it");
    // Nothing built yet: said plainly, nothing pushed.
    let unbuilt = live.run(["push", "--registry", &prefix]);
    assert_eq!(unbuilt.code, 2, "{}", unbuilt.normalized());
    assert!(
        unbuilt.stderr.contains("not built yet: svc"),
        "{}",
        unbuilt.stderr
    );
    live.run(["build", "--progress", "plain"]).success();
    let pushed = live
        .run(["push", "--registry", &prefix, "--progress", "plain"])
        .success();
    let tag = docker(&[
        "images",
        "--format",
        "{{.Tag}}",
        &format!("stack-{}-svc", live.name),
    ]);
    let remote = format!("{prefix}/{}-svc:{tag}", live.name);
    assert!(
        pushed.stderr.contains(&format!("pushed {remote} in")),
        "{}",
        pushed.stderr
    );
    assert!(
        pushed
            .stderr
            .contains(&format!("pushed 1 image to {prefix}")),
        "{}",
        pushed.stderr
    );
    // The registry has exactly that tag: the content hash.
    let (status, tags) = get(&registry, &format!("/v2/it/{}-svc/tags/list", live.name));
    assert_eq!(status, 200, "{tags}");
    assert!(tags.contains(&format!("\"{tag}\"")), "{tags}");
    // The image service is not stack's to push.
    assert!(!pushed.stderr.contains("db "), "{}", pushed.stderr);
    docker(&["image", "rm", &remote]);
}

#[test]
fn a_swarm_deploy_starts_in_order_waits_until_healthy_and_is_removed_again() {
    require_engine!();
    if !swarm() {
        return;
    }
    let live = LiveProject::new(
        "swarm",
        r#"services:
  setup:
    image: stack-fixture/busybox:1
    command: ["true"]
    task: true
  web:
    image: stack-fixture/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
    port: 8080
    depends_on: [setup]
    health: { cmd: "wget -q -O /dev/null http://127.0.0.1:8080/passwd" }
  worker:
    image: stack-fixture/busybox:1
    command: ["sleep", "600"]
    depends_on: [web]
    volumes: ["data:/data"]
    health: { cmd: "test -d /data" }
"#,
    );
    let deployed = live.run(["deploy", "--swarm", "--progress", "plain"]);
    if deployed.code != 0 {
        live.run(["down", "--swarm", "--volumes"]);
    }
    let lines: Vec<String> = deployed
        .normalized()
        .lines()
        .filter(|l| !l.starts_with("  web ") && !l.contains("ready on the swarm"))
        .map(str::to_string)
        .collect();
    assert_eq!(deployed.code, 0, "{}", deployed.normalized());
    insta::assert_snapshot!(lines.join("\n"));
    // The published port answers from the host, through the swarm task.
    // web is checked by a command, so its summary line gives the bare address.
    let url = deployed
        .stderr
        .lines()
        .find(|l| l.starts_with("  web "))
        .and_then(|l| l.split_whitespace().last())
        .expect("web's address")
        .to_string();
    let (status, body) = get(&url, "/passwd");
    assert_eq!((status, body.contains("root:")), (200, true));
    let services = docker(&[
        "service",
        "ls",
        "--format",
        "{{.Name}}",
        "--filter",
        &format!("label=com.docker.stack.namespace={}", live.name),
    ]);
    assert_eq!(services.lines().count(), 3, "{services}");

    let removed = live.run(["down", "--swarm", "--volumes"]).success();
    assert!(
        removed.stderr.contains("network [PROJECT]_default removed")
            || removed
                .normalized()
                .contains("network [PROJECT]_default removed"),
        "{}",
        removed.normalized()
    );
    let filter = format!("label=com.docker.stack.namespace={}", live.name);
    assert_eq!(docker(&["service", "ls", "-q", "--filter", &filter]), "");
    assert_eq!(docker(&["ps", "-aq", "--filter", &filter]), "");
    assert_eq!(docker(&["network", "ls", "-q", "--filter", &filter]), "");
    assert_eq!(docker(&["volume", "ls", "-q", "--filter", &filter]), "");
}

#[test]
fn a_task_that_fails_on_the_swarm_fails_the_deploy_like_up() {
    require_engine!();
    if !swarm() {
        return;
    }
    let live = LiveProject::new(
        "swarmfail",
        "services:\n  migrate:\n    image: stack-fixture/busybox:1\n    command: [\"sh\", \"-c\", \"echo no database; exit 3\"]\n    task: true\n  api:\n    image: stack-fixture/busybox:1\n    command: [\"sleep\", \"600\"]\n    depends_on: [migrate]\n",
    );
    let failed = live.run(["deploy", "--swarm", "--progress", "plain"]);
    // Removed before any assertion, so a failing test leaves nothing on the swarm.
    live.run(["down", "--swarm"]).success();
    insta::assert_snapshot!(failed.normalized());
}
