//! `up`, `ps`, `plan` and `down` against the real engine, with locally made images.
//!
//! Whole outputs are snapshots where their order is fixed: a chain of dependencies starts
//! one service at a time. Services that start side by side print in any order; there the
//! tests check lines, not the whole.

use crate::common::{BUSYBOX, LiveProject, docker, require_engine};

/// The index of the first line about `service` that says `what` (`created`, `healthy in`),
/// whatever the padding after the name.
fn line_of(stderr: &str, service: &str, what: &str) -> Option<usize> {
    stderr.lines().position(|line| {
        line.strip_prefix(service)
            .is_some_and(|rest| rest.starts_with("  ") && rest.trim_start().starts_with(what))
    })
}

/// A web server that becomes ready after a short delay, like a real app.
fn server(port: u16, extra: &str) -> String {
    format!(
        "    image: {BUSYBOX}\n    command: sh -c \"echo starting on {port}; sleep 0.2; touch /tmp/ready; exec httpd -f -p {port}\"\n    port: {port}\n    health: {{ cmd: \"test -f /tmp/ready\", timeout: 20s }}\n{extra}"
    )
}

#[test]
fn a_three_level_stack_comes_up_healthy_and_a_second_up_changes_nothing() {
    require_engine!();
    let manifest = format!(
        "services:\n  db:\n{}  migrate:\n    image: {BUSYBOX}\n    command: sh -c \"echo migrated > /data/state\"\n    task: true\n    depends_on: [db]\n    volumes: [\"data:/data\"]\n  api:\n{}  web:\n{}",
        server(5432, "    volumes: [\"data:/data\"]\n"),
        server(8000, "    depends_on: [db, migrate]\n"),
        server(3000, "    depends_on: [api]\n"),
    );
    let live = LiveProject::new("levels", &manifest);
    insta::assert_snapshot!("levels_plan_from_nothing", live.run(["plan"]).normalized());
    // db, migrate, api and web form a chain: each starts when the one before is ready.
    let first = live.up();
    insta::assert_snapshot!("levels_up", first.normalized());
    // The task ran after db and before api, which waited for it.
    let at = |service, what| line_of(&first.stderr, service, what).expect(&first.stderr);
    let (db_healthy, completed) = (at("db", "healthy"), at("migrate", "completed"));
    assert!(db_healthy < completed && completed < at("api", "created"));

    // `-a`: the task that exited too.
    let ps = live.run(["ps", "-a"]);
    insta::assert_snapshot!("levels_ps", ps.normalized());
    let ps = live.run(["ps", "-a", "--json"]).success();
    let rows: serde_json::Value = serde_json::from_str(&ps.stdout).expect("json");
    let rows = rows.as_array().expect("a list");
    assert_eq!(rows.len(), 4);
    for row in rows {
        let service = row["service"].as_str().expect("service");
        if service == "migrate" {
            assert_eq!(row["state"], "exited");
            assert_eq!(row["exit_code"], 0);
            assert!(row["uptime_seconds"].is_null(), "{row}");
        } else {
            // Read from the engine's start time: seconds, not minutes or days.
            let uptime = row["uptime_seconds"].as_u64().expect("running: an uptime");
            assert!(uptime < 120, "{row}");
            assert_eq!(row["state"], "running", "{row}");
            assert_eq!(row["health"], "healthy", "{row}");
            // Checked by a command, not over HTTP: the address, without a scheme.
            let url = row["url"].as_str().expect("a published port");
            assert!(url.starts_with("127.0.0.1:"), "{url}");
        }
    }

    let ids = live.container_ids();
    // Every service `unchanged`, none created or started.
    insta::assert_snapshot!("levels_up_again", live.up().normalized());
    assert_eq!(live.container_ids(), ids, "no container was replaced");
    insta::assert_snapshot!("levels_plan_nothing_to_do", live.run(["plan"]).normalized());
}

#[test]
fn changing_one_services_env_recreates_only_that_container() {
    require_engine!();
    let manifest = |value: &str| {
        format!(
            "services:\n  a:\n{}    env: {{ GREETING: {value} }}\n  b:\n{}",
            server(8080, ""),
            server(8081, "")
        )
    };
    let live = LiveProject::new("env", &manifest("hello"));
    live.up();
    let id = |service: &str| {
        docker(&[
            "inspect",
            "-f",
            "{{.Id}}",
            &format!("{}-{service}", live.name),
        ])
    };
    let (a, b) = (id("a"), id("b"));
    live.project.file(
        "stack.yaml",
        &format!("name: {}\n{}", live.name, manifest("bonjour")),
    );
    // a recreate (env changed), b keep.
    insta::assert_snapshot!("env_plan", live.run(["plan"]).normalized());
    // a and b start side by side: their lines interleave in any order.
    let out = live.up();
    assert!(
        line_of(&out.stderr, "a", "recreated (env changed)").is_some(),
        "{}",
        out.stderr
    );
    assert!(
        line_of(&out.stderr, "b", "unchanged").is_some(),
        "{}",
        out.stderr
    );
    assert_ne!(id("a"), a);
    assert_eq!(id("b"), b);
    let env = docker(&[
        "inspect",
        "-f",
        "{{json .Config.Env}}",
        &format!("{}-a", live.name),
    ]);
    assert!(env.contains("GREETING=bonjour"), "{env}");
}

#[test]
fn a_source_change_rebuilds_only_its_image_and_ignored_files_change_nothing() {
    require_engine!();
    let dockerfile = format!(
        "FROM {BUSYBOX}\nCOPY . /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
    );
    let manifest = "services:\n  one:\n    path: ./one\n    port: 8080\n    health: { http: /index.html }\n  two:\n    path: ./two\n    port: 8080\n    health: { http: /index.html }\n";
    let live = LiveProject::new("build", manifest);
    for service in ["one", "two"] {
        live.project
            .file(&format!("{service}/Dockerfile"), &dockerfile)
            .file(
                &format!("{service}/index.html"),
                &format!("<h1>{service}</h1>\n"),
            )
            .file(&format!("{service}/.dockerignore"), "notes.txt\n");
    }
    // one and two build and start side by side: their lines interleave in any order.
    let first = live.up().stderr;
    assert_eq!(first.matches("built in").count(), 2, "{first}");

    live.project
        .file("one/notes.txt", "ignored by .dockerignore\n");
    // An ignored file changes nothing: nothing to do.
    insta::assert_snapshot!("build_plan_ignored_file", live.run(["plan"]).normalized());

    live.project
        .file("one/index.html", "<h1>one, changed</h1>\n");
    // one build, two up to date.
    insta::assert_snapshot!("build_plan_changed_source", live.run(["plan"]).normalized());
    let second = live.up().stderr;
    assert_eq!(second.matches("built in").count(), 1, "{second}");
    assert!(line_of(&second, "one", "built in").is_some(), "{second}");
    assert!(
        line_of(&second, "one", "recreated (image changed)").is_some(),
        "{second}"
    );
    assert!(line_of(&second, "two", "unchanged").is_some(), "{second}");
}

#[test]
fn a_crashing_service_fails_at_once_with_its_exit_code_and_logs() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo connecting to db; echo fatal, no database >&2; exit 3\"\n    port: 8000\n    health: {{ http: /healthz, timeout: 120s }}\n  web:\n{}",
        server(3000, "    depends_on: [api]\n")
    );
    let live = LiveProject::new("crash", &manifest);
    let started = std::time::Instant::now();
    let out = live.run(["up", "-d", "--progress", "plain"]);
    // Half the health timeout: a report that waited for the timeout would take all of it.
    assert!(
        started.elapsed().as_secs() < 60,
        "a crash does not wait for the timeout"
    );
    // Exit code 5, `exited with code 3`, the lines it printed on stdout and stderr, and
    // `stack logs api` as the hint; web is never created.
    insta::assert_snapshot!(out.logs_unordered().normalized());
}

#[test]
fn a_service_that_never_gets_healthy_fails_at_its_timeout_with_the_probe_error() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo listening on the wrong port; exec httpd -f -p 9999\"\n    port: 8000\n    health: {{ http: /healthz, timeout: 3s }}\n"
    );
    let live = LiveProject::new("unhealthy", &manifest);
    let started = std::time::Instant::now();
    let out = live.run(["up", "-d", "--progress", "plain"]);
    // It waited for the 3 s timeout, and not for the default (120 s). The upper bound is
    // generous on purpose: starting and probing on a busy two-core machine is slow, and
    // how fast `up` fails is for bench/, not for this test.
    let took = started.elapsed().as_secs_f64();
    assert!((3.0..60.0).contains(&took), "failed after {took}s");
    // Exit code 5, `did not become healthy within 3s` with the probe's last error
    // (`GET http://127.0.0.1:…`) and the service's own line. Nothing listens behind the
    // published port: the engine's proxy closes or resets the connection, either way.
    let out = out.replace_pattern(
        r"connection closed without a response|Connection reset by peer \(os error 104\)",
        "[closed or reset]",
    );
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn a_host_port_in_use_fails_before_any_container_is_created() {
    require_engine!();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let manifest = format!(
        "services:\n  db:\n{}  api:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n    host_port: {port}\n",
        server(5432, "")
    );
    let live = LiveProject::new("port", &manifest);
    let out = live.run(["up", "-d", "--progress", "plain"]);
    // Exit code 1, the service and the port, and not a line of progress before it.
    insta::assert_snapshot!(out.replace(&port.to_string(), "[PORT]").normalized());
    assert!(live.container_ids().is_empty(), "nothing was created");
    drop(listener);
}

#[test]
fn down_keeps_volumes_unless_asked_and_never_touches_another_project() {
    require_engine!();
    let manifest = format!(
        "services:\n  db:\n    image: {BUSYBOX}\n    command: sh -c \"test -f /data/first || date > /data/first; exec httpd -f -p 5432\"\n    port: 5432\n    volumes: [\"data:/data\"]\n"
    );
    let live = LiveProject::new("vol", &manifest);
    let other = LiveProject::new("other", &manifest);
    live.up();
    other.up();
    let read = || {
        live.run(["exec", "db", "cat", "/data/first"])
            .success()
            .stdout
    };
    let written = read();
    assert!(!written.is_empty());

    // db stopped and removed, the network removed, the volume kept (and said so).
    insta::assert_snapshot!("down", live.run(["down"]).normalized());
    assert!(live.container_ids().is_empty());
    let volume = format!("{}_data", live.name);
    assert_eq!(
        docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name=^{volume}$")
        ]),
        volume
    );
    assert_eq!(
        other.container_ids().len(),
        1,
        "the other project is untouched"
    );

    live.up();
    assert_eq!(read(), written, "the data survived down and up");

    // The same, with `volume [PROJECT]_data removed` instead of the note.
    insta::assert_snapshot!("down_volumes", live.run(["down", "--volumes"]).normalized());
    assert_eq!(
        docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name=^{volume}$")
        ]),
        ""
    );
    assert_eq!(
        other.container_ids().len(),
        1,
        "the other project is untouched"
    );
    let ps = other.run(["ps", "--json"]);
    assert!(ps.stdout.contains("\"running\""), "{}", ps.stdout);
}

#[test]
fn a_failing_task_stops_its_dependents_from_starting() {
    require_engine!();
    let manifest = format!(
        "services:\n  migrate:\n    image: {BUSYBOX}\n    command: sh -c \"echo migration 42 failed; exit 1\"\n    task: true\n  api:\n{}",
        server(8000, "    depends_on: [migrate]\n")
    );
    let live = LiveProject::new("task", &manifest);
    let out = live.run(["up", "-d", "--progress", "plain"]);
    // Exit code 5, `exited with code 1 (task)` and its line; api waits and never starts.
    insta::assert_snapshot!(out.normalized());
    assert_eq!(
        line_of(&out.stderr, "api", "started"),
        None,
        "{}",
        out.stderr
    );
    // api's container was created up front, with migrate's, and never started.
    let started_at = docker(&[
        "inspect",
        "-f",
        "{{.State.StartedAt}}",
        &format!("{}-api", live.name),
    ]);
    assert!(started_at.starts_with("0001-01-01"), "{started_at}");
}

#[test]
fn logs_exec_and_json_progress_work_on_a_running_stack() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo one; echo two; echo three; exec httpd -f -p 8000\"\n    port: 8000\n"
    );
    let live = LiveProject::new("tools", &manifest);
    let up = live.run(["up", "-d", "--progress", "json"]).success();
    let stdout = &up.stdout;
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "network_created",
            "container_created",
            "container_started",
            "healthy"
        ],
        "{stdout}"
    );
    // A port and no check: a TCP check, and an address without a scheme.
    assert!(
        events[3]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("127.0.0.1:")),
        "{stdout}"
    );

    // The lines are written before httpd starts, so they are all there once it is healthy.
    insta::assert_snapshot!(live.run(["logs", "--tail", "2", "api"]).normalized(), @r"
    exit code: 0
    --- stdout ---
    api | two
    api | three
    --- stderr ---
    ");

    let exec = live.run(["exec", "api", "sh", "-c", "echo inside; exit 7"]);
    insta::assert_snapshot!(exec.normalized(), @r"
    exit code: 7
    --- stdout ---
    inside
    --- stderr ---
    ");
    // Exit code 2, `no service `nope``, and the services there are.
    insta::assert_snapshot!(
        "exec_unknown_service",
        live.run(["exec", "nope", "true"]).normalized()
    );
    insta::assert_snapshot!(
        "logs_unknown_service",
        live.run(["logs", "nope"]).normalized()
    );
}

#[test]
fn a_failed_build_names_the_service_the_step_and_its_output() {
    require_engine!();
    let live = LiveProject::new("buildfail", "services:\n  api:\n    path: ./api\n");
    live.project.file(
        "api/Dockerfile",
        &format!(
            "FROM {BUSYBOX}\nRUN echo compiling\nRUN echo 'error: missing header foo.h' && exit 2\n"
        ),
    );
    let out = live
        .run(["build", "--progress", "plain"])
        // `RUN echo compiling` is cached when any earlier run on this engine built it.
        .replace_pattern(r"(?m)  \(cached\)$", "");
    // Exit code 4, `build failed at Step 3/…`, the step's output and the hint.
    insta::assert_snapshot!(out.normalized());
    assert!(live.container_ids().is_empty());
}
