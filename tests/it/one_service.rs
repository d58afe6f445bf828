//! Acting on one service, as Compose users type it: `up web`, `stop`, `start`, `kill`,
//! `rm`, against the real engine, and never on another project.

use crate::common::{BUSYBOX, LiveProject, docker, require_engine};

/// A web server on `port` that says it is ready after a short delay.
fn server(port: u16, extra: &str) -> String {
    format!(
        "    image: {BUSYBOX}\n    command: sh -c \"echo starting; exec httpd -f -p {port}\"\n    port: {port}\n    health: {{ cmd: \"true\" }}\n{extra}"
    )
}

/// web -> api -> db, worker -> db, and docs on its own.
fn shop() -> String {
    format!(
        "services:\n  db:\n{}  api:\n{}  web:\n{}  worker:\n{}  docs:\n{}",
        server(5432, ""),
        server(8000, "    depends_on: [db]\n"),
        server(3000, "    depends_on: [api]\n"),
        server(9000, "    depends_on: [db]\n"),
        server(4000, ""),
    )
}

#[test]
fn up_web_starts_web_and_its_dependencies_only() {
    require_engine!();
    let live = LiveProject::new("upweb", &shop());
    // db, api and web in a chain, one after the other; worker and docs are not named.
    let up = live.run(["up", "-d", "--progress", "plain", "web"]);
    insta::assert_snapshot!("up_web", up.normalized());
    assert_eq!(live.states(), ["api running", "db running", "web running"]);

    // `--no-deps` starts the named service alone; the others stay as they are.
    let docs = live.run(["up", "-d", "--progress", "plain", "--no-deps", "docs"]);
    insta::assert_snapshot!("up_no_deps", docs.normalized());
    assert_eq!(
        live.states(),
        ["api running", "db running", "docs running", "web running"]
    );

    // A name that is not a service: exit code 2, the services there are, nothing done.
    let typo = live.run(["up", "-d", "--progress", "plain", "wbe"]);
    insta::assert_snapshot!("up_unknown_service", typo.normalized());

    // Re-running `up web` checks web and its dependencies again, and leaves them be.
    let again = live
        .run(["up", "-d", "--progress", "plain", "web"])
        .success();
    assert!(!again.stderr.contains("docs"), "{}", again.stderr);
    assert!(!again.stderr.contains("worker"), "{}", again.stderr);
    assert_eq!(
        again.stderr.matches("still healthy").count(),
        3,
        "{}",
        again.stderr
    );

    // `--force-recreate` replaces containers that have not changed.
    let before = docker(&["inspect", "-f", "{{.Id}}", &format!("{}-docs", live.name)]);
    let forced = live
        .run([
            "up",
            "-d",
            "--progress",
            "plain",
            "--force-recreate",
            "docs",
        ])
        .success();
    assert!(
        forced.stderr.contains("docs  recreated (forced)"),
        "{}",
        forced.stderr
    );
    let after = docker(&["inspect", "-f", "{{.Id}}", &format!("{}-docs", live.name)]);
    assert_ne!(before, after);
}

#[test]
fn stop_start_kill_and_rm_act_on_named_services_and_never_on_another_project() {
    require_engine!();
    let manifest = format!(
        "services:\n  a:\n{}  b:\n{}",
        server(8080, ""),
        server(8081, "")
    );
    let live = LiveProject::new("life", &manifest);
    let other = LiveProject::new("lifeother", &manifest);
    live.up();
    other.up();
    let untouched = || {
        assert_eq!(
            other.states(),
            ["a running", "b running"],
            "the other project"
        );
    };

    let stop = live.run(["stop", "a"]);
    insta::assert_snapshot!("stop_a", stop.normalized());
    assert_eq!(live.states(), ["a exited", "b running"]);
    untouched();
    // Nothing running to stop: said, and no failure.
    insta::assert_snapshot!("stop_again", live.run(["stop", "a"]).normalized());

    // `start` starts the container that is there, in order, and waits for its check.
    let id = docker(&["inspect", "-f", "{{.Id}}", &format!("{}-a", live.name)]);
    let start = live.run(["start", "--progress", "plain", "a"]);
    insta::assert_snapshot!("start_a", start.normalized());
    assert_eq!(
        docker(&["inspect", "-f", "{{.Id}}", &format!("{}-a", live.name)]),
        id,
        "started, not recreated"
    );
    assert_eq!(live.states(), ["a running", "b running"]);

    let kill = live.run(["kill", "-s", "KILL", "b"]);
    insta::assert_snapshot!("kill_b", kill.normalized());
    let code = docker(&[
        "inspect",
        "-f",
        "{{.State.ExitCode}}",
        &format!("{}-b", live.name),
    ]);
    assert_eq!(code, "137", "SIGKILL");
    untouched();
    // A signal that does not exist is a usage error before anything is sent.
    let bad = live.run(["kill", "-s", "SIGNOPE", "a"]);
    assert_eq!(bad.code, 2, "{}", bad.normalized());
    assert_eq!(live.states(), ["a running", "b exited"]);

    // A running service named to `rm` is refused, and nothing is removed.
    insta::assert_snapshot!("rm_running", live.run(["rm", "a", "b"]).normalized());
    assert_eq!(live.states(), ["a running", "b exited"]);
    // The stopped one goes; the running one stays unless `--stop`.
    insta::assert_snapshot!("rm_stopped", live.run(["rm"]).normalized());
    assert_eq!(live.states(), ["a running"]);
    insta::assert_snapshot!("rm_stop", live.run(["rm", "--stop", "a"]).normalized());
    assert!(live.states().is_empty());
    untouched();
    // `start` of a service without a container says what creates it.
    insta::assert_snapshot!("start_missing", live.run(["start", "a"]).normalized());
}
