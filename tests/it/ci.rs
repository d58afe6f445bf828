//! `stack ci`, `stack env` and `stack gc` on the real engine: a throwaway copy comes up,
//! the command runs against it with every address in its environment, and nothing is left
//! afterwards, whether the command passed, failed, the environment never came up, or a
//! SIGTERM arrived; two copies of one project run side by side; gc removes only what
//! interrupted runs left.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BUSYBOX, LiveProject, Output, docker, require_engine};

/// A service that answers `GET /health` with `ok`, plus a worker that needs it and a
/// named volume, so teardown has all three kinds of object to remove.
fn healthy_stack() -> String {
    format!(
        r#"services:
  api:
    image: {BUSYBOX}
    command: sh -c "echo api up; mkdir -p /www && echo ok > /www/health && httpd -f -p 8000 -h /www"
    port: 8000
    health: {{ http: /health }}
  worker:
    image: {BUSYBOX}
    command: sleep 1000
    depends_on: [api]
    volumes: ["scratch:/scratch"]
"#
    )
}

/// Every container, network and volume whose project label starts with `prefix`, as
/// `kind project name`.
fn leftovers(prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (kind, list, name) in [
        ("container", ["ps", "-a"], "{{.Names}}"),
        ("network", ["network", "ls"], "{{.Name}}"),
        ("volume", ["volume", "ls"], "{{.Name}}"),
    ] {
        let format = format!("{{{{.Label \"dev.stack.project\"}}}} {name}");
        let mut args = list.to_vec();
        args.extend(["--filter", "label=dev.stack.project", "--format", &format]);
        for line in docker(&args).lines() {
            if line.starts_with(prefix) {
                found.push(format!("{kind} {line}"));
            }
        }
    }
    found
}

/// Removes what a failed test's runs left (by the run names' prefix), pass or fail.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for line in leftovers(&self.0) {
            let mut words = line.split_whitespace();
            let (Some(kind), Some(_), Some(name)) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let args: &[&str] = match kind {
                "container" => &["rm", "-f", "-v", name],
                "network" => &["network", "rm", name],
                _ => &["volume", "rm", name],
            };
            let _ = Command::new("docker").args(args).output();
        }
    }
}

/// A project for `stack ci`, with what its runs leave removed when the test ends.
fn ci_project(tag: &str, manifest: &str) -> (LiveProject, Cleanup) {
    let live = LiveProject::new(tag, manifest);
    let cleanup = Cleanup(format!("{}-ci-", live.name));
    (live, cleanup)
}

/// `stack ci --progress plain ARGS`, with the run's random suffix shown as `[RUN]`.
fn ci_run(live: &LiveProject, args: &[&str]) -> Output {
    live.run(["ci", "--progress", "plain"].iter().chain(args))
        .replace_pattern(r"-ci-[0-9a-f]{8}", "-ci-[RUN]")
}

#[test]
fn a_passing_command_sees_every_address_and_leaves_nothing() {
    require_engine!();
    let (live, _cleanup) = ci_project("ci-pass", &healthy_stack());
    let out = ci_run(
        &live,
        &[
            "--report",
            "report.json",
            "--",
            "sh",
            "-c",
            "curl -fsS $STACK_API_URL/health && test $STACK_API_HOST = 127.0.0.1 && echo $STACK_PROJECT",
        ],
    );
    // The services stop in parallel, in whichever order they end: the teardown is
    // compared as a set of lines, the network and volume after the containers.
    let normalized = out.normalized();
    let command = normalized
        .find("\nrunning: ")
        .expect("the command line is shown")
        + 1;
    let end = command + normalized[command..].find('\n').expect("a line");
    let (before, teardown) = normalized.split_at(end);
    let mut containers: Vec<&str> = teardown
        .lines()
        .filter(|l| l.starts_with("worker") || l.starts_with("api"))
        .collect();
    containers.sort_unstable();
    let rest: Vec<&str> = teardown
        .lines()
        .filter(|l| !(l.is_empty() || l.starts_with("worker") || l.starts_with("api")))
        .collect();
    insta::assert_snapshot!(format!("{before}\n{}\n{}", containers.join("\n"), rest.join("\n")), @r"
    exit code: 0
    --- stdout ---
    ok
    [PROJECT]-ci-[RUN]
    --- stderr ---
    ci: project [PROJECT]-ci-[RUN]
    network [PROJECT]-ci-[RUN]_default created
    volume [PROJECT]-ci-[RUN]_scratch created
    worker  waiting for api
    api     created
    api     started
    api     healthy in [TIME]  http://127.0.0.1:[PORT]
    worker  created
    worker  started
    worker  running in [TIME]
    2 services ready in [TIME]
      api     http://127.0.0.1:[PORT]
    running: sh -c 'curl -fsS $STACK_API_URL/health && test $STACK_API_HOST = 127.0.0.1 && echo $STACK_PROJECT'
    api     removed
    api     stopped
    worker  removed
    worker  stopped
    network [PROJECT]-ci-[RUN]_default removed
    volume [PROJECT]-ci-[RUN]_scratch removed
    ");
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(live.project.path().join("report.json")).expect("a report"),
    )
    .expect("JSON");
    assert_eq!(report["outcome"], "passed");
    assert_eq!(report["command"]["exit_code"], 0);
    let services = report["services"].as_array().expect("services");
    assert_eq!(services.len(), 2);
    assert!(
        services
            .iter()
            .all(|s| s["ready"] == true && s["seconds"].as_f64().is_some_and(|t| t > 0.0)),
        "{report}"
    );
}

#[test]
fn a_failing_command_gives_its_exit_code_and_leaves_nothing() {
    require_engine!();
    let (live, _cleanup) = ci_project("ci-fail", &healthy_stack());
    let out = ci_run(
        &live,
        &[
            "--report",
            "junit.xml",
            "--",
            "sh",
            "-c",
            // A service dies while the tests run: the report after the failure says so.
            "echo failing; docker stop -t 0 $STACK_PROJECT-api > /dev/null; exit 3",
        ],
    );
    assert_eq!(out.code, 3, "{}", out.normalized());
    assert_eq!(out.stdout, "failing\n");
    let normalized = out.normalized();
    let after = &normalized[normalized.find("the command").expect("the command's end")..];
    // Up to the teardown's lines, which come in any order.
    let after: Vec<&str> = after
        .lines()
        .take_while(|l| !l.starts_with("api ") && !l.starts_with("worker "))
        .collect();
    insta::assert_snapshot!(after.join("\n"), @r"
    the command exited with code 3
    service `api` exited with code 143; last log lines:
        | api up
    ");
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
    let xml = std::fs::read_to_string(live.project.path().join("junit.xml")).expect("a report");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert_eq!(failures, ["exited with code 3"], "{xml}");
}

#[test]
fn a_command_in_a_service_image_reaches_the_others_by_name() {
    require_engine!();
    let (live, _cleanup) = ci_project("ci-in", &healthy_stack());
    let out = ci_run(
        &live,
        &[
            "--in",
            "worker",
            "--",
            "sh",
            "-c",
            "echo $STACK_API_URL; wget -qO- $STACK_API_URL/health; exit 4",
        ],
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (4, "http://api:8000\nok\n"),
        "{}",
        out.normalized()
    );
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
}

#[test]
fn a_service_that_never_gets_healthy_gives_the_environment_code_its_logs_and_probe() {
    require_engine!();
    let (live, _cleanup) = ci_project(
        "ci-unhealthy",
        &format!(
            r#"services:
  api:
    image: {BUSYBOX}
    command: sh -c "echo api has no health route; mkdir -p /www && httpd -f -p 8000 -h /www"
    port: 8000
    health: {{ http: /health, timeout: 2s }}
"#
        ),
    );
    let out = ci_run(&live, &["--report", "junit.xml", "--", "touch", "ran"]);
    insta::assert_snapshot!(out.normalized(), @r"
    exit code: 6
    --- stdout ---
    --- stderr ---
    ci: project [PROJECT]-ci-[RUN]
    network [PROJECT]-ci-[RUN]_default created
    api  created
    api  started
    api  failed: did not become healthy within 2s: GET http://127.0.0.1:[PORT]/health returned 404
    api  stopped
    api  removed
    network [PROJECT]-ci-[RUN]_default removed
    error: the environment did not come up: service `api` did not become healthy within 2s: GET http://127.0.0.1:[PORT]/health returned 404
      last log lines:
        | api has no health route
      hint: `api` answers, but not on this path: check `health.http`
    ");
    assert!(!live.project.path().join("ran").exists(), "the command ran");
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
    let xml = std::fs::read_to_string(live.project.path().join("junit.xml")).expect("a report");
    assert!(
        xml.contains("<skipped message=\"the environment did not come up\"/>"),
        "{xml}"
    );
}

#[test]
fn the_readiness_deadline_names_what_was_not_ready_with_its_last_probe() {
    require_engine!();
    let (live, _cleanup) = ci_project(
        "ci-deadline",
        &format!(
            r#"services:
  api:
    image: {BUSYBOX}
    command: sh -c "echo still warming up; sleep 1000"
    port: 8000
    health: {{ tcp: true, timeout: 5m }}
  web:
    image: {BUSYBOX}
    command: sleep 1000
    depends_on: [api]
"#
        ),
    );
    let out = ci_run(&live, &["--timeout", "2s", "--", "true"]);
    assert_eq!(out.code, 6, "{}", out.normalized());
    let normalized = out.normalized();
    let error = &normalized[normalized.find("error:").expect("an error")..];
    insta::assert_snapshot!(error, @r"
    error: the environment did not come up: services `api`, `web` were not ready within 2s
      last probe results and log lines:
        | `api`: running, not healthy; last probe: connect to 127.0.0.1:[PORT]: connection closed at once: nothing listens in the container yet
        |   still warming up
        | `web`: not started (waiting for its dependencies)
      hint: `stack ci --timeout 10m` waits longer; `stack ci --keep` leaves the environment up to look at it
    ");
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
}

/// `stack ci ARGS` in the background, its output collected.
fn spawn_ci(live: &LiveProject, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("stack"))
        .arg("ci")
        .args(args)
        .current_dir(live.project.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stack starts")
}

/// Waits until `path` exists; fails the test after `within`.
fn wait_for_file(path: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_sigterm_during_the_command_stops_it_and_still_tears_down() {
    require_engine!();
    let (live, _cleanup) = ci_project("ci-sigterm", &healthy_stack());
    let pid_file = live.project.path().join("command.pid");
    // The shell becomes `sleep`: its pid is the command's.
    let child = spawn_ci(
        &live,
        &[
            "--progress",
            "plain",
            "--",
            "sh",
            "-c",
            "echo $$ > command.pid; exec sleep 300",
        ],
    );
    wait_for_file(&pid_file, Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(200));
    let running = leftovers(&format!("{}-ci-", live.name));
    // Both services, and the run's lock, held until the teardown is done.
    assert_eq!(
        running
            .iter()
            .filter(|l| l.starts_with("container"))
            .count(),
        3,
        "{running:?}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = Output::ended(child.wait_with_output().expect("stack ends"));
    assert_eq!(out.code, 143, "{}", out.normalized());
    assert!(
        out.stderr.ends_with("error: interrupted\n"),
        "{}",
        out.stderr
    );
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
    let pid = std::fs::read_to_string(&pid_file).expect("a pid");
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the command still runs"
    );
}

#[test]
fn two_runs_of_one_project_at_the_same_time_both_pass() {
    require_engine!();
    // A fixed host port too: a copy publishes on ports the engine picks, so they cannot
    // collide.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let manifest = healthy_stack().replace(
        "port: 8000\n",
        &format!("port: 8000\n    host_port: {port}\n"),
    );
    let (live, _cleanup) = ci_project("ci-twice", &manifest);
    let command = [
        "--progress",
        "plain",
        "--",
        "sh",
        "-c",
        "curl -fsS $STACK_API_URL/health && echo $STACK_PROJECT && sleep 2",
    ];
    let first = spawn_ci(&live, &command);
    let second = spawn_ci(&live, &command);
    let outputs =
        [first, second].map(|child| Output::ended(child.wait_with_output().expect("stack ends")));
    for out in &outputs {
        assert_eq!(out.code, 0, "{}", out.normalized());
    }
    let projects: Vec<&str> = outputs
        .iter()
        .map(|o| o.stdout.lines().nth(1).unwrap_or(""))
        .collect();
    assert_ne!(projects[0], projects[1], "the two runs shared a project");
    assert_eq!(
        leftovers(&format!("{}-ci-", live.name)),
        Vec::<String>::new()
    );
}

#[test]
fn env_prints_the_addresses_of_a_running_project() {
    require_engine!();
    let live = LiveProject::new("ci-env", &healthy_stack());
    live.up();
    let out = live
        .run(["env"])
        .replace_pattern(r"PORT=\d+", "PORT=[PORT]");
    insta::assert_snapshot!(out.normalized(), @r"
    exit code: 0
    --- stdout ---
    STACK_PROJECT=[PROJECT]
    STACK_API_HOST=127.0.0.1
    STACK_API_PORT=[PORT]
    STACK_API_URL=http://127.0.0.1:[PORT]
    --- stderr ---
    ");
    let url = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("STACK_API_URL=http://"))
        .expect("the api's URL");
    let (status, body) = crate::common::http(url, "GET", "/health", None);
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    live.run(["down", "--volumes"]).success();
    let out = live.run(["env"]);
    assert_eq!(out.code, 2, "{}", out.normalized());
}

/// Removes the unlabelled objects a gc test made, pass or fail.
struct Foreign(String);

impl Drop for Foreign {
    fn drop(&mut self) {
        for args in [
            ["rm", "-f", &self.0],
            ["network", "rm", &self.0],
            ["volume", "rm", &self.0],
        ] {
            let _ = Command::new("docker").args(args).output();
        }
    }
}

/// A project called exactly `name`.
fn named_project(name: &str, manifest: &str) -> LiveProject {
    let project = crate::common::Project::new();
    project.file("stack.yaml", &format!("name: {name}\n{manifest}"));
    LiveProject {
        project,
        name: name.to_string(),
        env: Vec::new(),
    }
}

#[test]
fn gc_removes_what_an_interrupted_run_left_and_nothing_else() {
    require_engine!();
    let prefix = crate::common::unique_name("gc");
    // Unlabelled objects whose names gc's pattern would match: never touched.
    let foreign = Foreign(format!("{prefix}-foreign"));
    docker(&["run", "-d", "--name", &foreign.0, BUSYBOX, "sleep", "1000"]);
    docker(&["network", "create", &foreign.0]);
    docker(&["volume", "create", &foreign.0]);
    // A project that runs, and one that was stopped from outside (its data volume stays).
    let running = named_project(&format!("{prefix}-running"), &healthy_stack());
    running.up();
    let stopped = named_project(&format!("{prefix}-stopped"), &healthy_stack());
    stopped.up();
    for id in stopped.container_ids() {
        docker(&["stop", "-t", "0", &id]);
    }
    // A `stack ci` killed outright: no teardown, its lock left with a dead holder.
    let app = named_project(&format!("{prefix}-app"), &healthy_stack());
    let _cleanup = Cleanup(format!("{prefix}-app-ci-"));
    let mut child = spawn_ci(
        &app,
        &["--", "sh", "-c", "echo $$ > command.pid; exec sleep 300"],
    );
    let pid_file = app.project.path().join("command.pid");
    wait_for_file(&pid_file, Duration::from_secs(60));
    child.kill().expect("SIGKILL stack");
    child.wait().expect("stack ends");
    let pid = std::fs::read_to_string(&pid_file).expect("a pid");
    let _ = Command::new("kill").arg(pid.trim()).status();
    let left = leftovers(&format!("{prefix}-app-ci-"));
    assert_eq!(
        left.len(),
        5,
        "two services, the lock, network, volume: {left:?}"
    );

    let pattern = format!("{prefix}*");
    let gc = |args: &[&str]| {
        Output::of(app.stack().args(args))
            .replace(&prefix, "[PREFIX]")
            .replace_pattern(r"-ci-[0-9a-f]{8}", "-ci-[RUN]")
            .replace_pattern(r"pid \d+", "pid [PID]")
    };
    // Nothing is new enough to be old yet.
    let young = gc(&["gc", "--older-than", "1h", &pattern]);
    assert!(young.stdout.is_empty(), "{}", young.normalized());

    let dry = gc(&["gc", "--older-than", "0s", "--dry-run", &pattern]);
    insta::assert_snapshot!(dry.normalized(), @r"
    exit code: 0
    --- stdout ---
    container [PREFIX]-app-ci-[RUN]-api
    container [PREFIX]-app-ci-[RUN]-worker
    network [PREFIX]-app-ci-[RUN]_default
    volume [PREFIX]-app-ci-[RUN]_scratch
    lock [PREFIX]-app-ci-[RUN]-stack-lock
    container [PREFIX]-stopped-api
    container [PREFIX]-stopped-worker
    network [PREFIX]-stopped_default
    --- stderr ---
    project [PREFIX]-app-ci-[RUN]: interrupted stack ci (pid [PID])
    project [PREFIX]-running: running; left alone
    project [PREFIX]-stopped: not running
    dry run: 8 objects would be removed
    ");
    assert_eq!(
        leftovers(&format!("{prefix}-app-ci-")),
        left,
        "a dry run removed"
    );

    let removed = gc(&["gc", "--older-than", "0s", &pattern]);
    assert_eq!(removed.stdout, dry.stdout);
    assert!(
        removed.stderr.ends_with("removed 8 objects\n"),
        "{}",
        removed.stderr
    );
    assert_eq!(
        leftovers(&format!("{prefix}-app-ci-")),
        Vec::<String>::new()
    );
    assert_eq!(
        leftovers(&format!("{prefix}-stopped")),
        [format!("volume {prefix}-stopped {prefix}-stopped_scratch")]
    );
    let still = leftovers(&format!("{prefix}-running"));
    assert_eq!(still.len(), 4, "{still:?}");
    assert_eq!(
        docker(&["inspect", "--format", "{{.State.Running}}", &foreign.0]),
        "true"
    );
    docker(&["network", "inspect", &foreign.0]);
    docker(&["volume", "inspect", &foreign.0]);
    running.run(["ps"]).success();
}
