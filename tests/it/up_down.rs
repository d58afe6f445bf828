//! `up`, `ps`, `plan` and `down` against the real engine, with locally made images.

use crate::common::{BUSYBOX, LiveProject, require_engine};

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
    let first = live.up();
    // The task ran after db and before api, which waited for it.
    let completed = first.find("migrate  completed").expect(&first);
    let db_healthy = first.find("db       healthy").expect(&first);
    let api_created = first.find("api      created").expect(&first);
    assert!(db_healthy < completed && completed < api_created, "{first}");
    assert!(first.contains("4 services ready in"), "{first}");

    let (code, stdout, _) = live.run(&["ps", "--json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
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
            let url = row["url"].as_str().expect("a published port");
            assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        }
    }

    let ids = live.container_ids();
    let second = live.up();
    assert!(!second.contains("created"), "{second}");
    assert!(!second.contains("started"), "{second}");
    assert_eq!(second.matches("unchanged").count(), 4, "{second}");
    assert_eq!(live.container_ids(), ids, "no container was replaced");
    let (_, plan, _) = live.run(&["plan"]);
    assert!(plan.contains("nothing to do"), "{plan}");
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
        LiveProject::docker(&[
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
    let (_, plan, _) = live.run(&["plan"]);
    assert!(plan.contains("a  recreate (env changed)"), "{plan}");
    assert!(plan.contains("b  keep"), "{plan}");
    let out = live.up();
    assert!(out.contains("a  recreated (env changed)"), "{out}");
    assert_ne!(id("a"), a);
    assert_eq!(id("b"), b);
    let env = LiveProject::docker(&[
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
    let first = live.up();
    assert_eq!(first.matches("built in").count(), 2, "{first}");

    live.project
        .file("one/notes.txt", "ignored by .dockerignore\n");
    let (_, plan, _) = live.run(&["plan"]);
    assert!(
        plan.contains("nothing to do"),
        "an ignored file changes nothing:\n{plan}"
    );

    live.project
        .file("one/index.html", "<h1>one, changed</h1>\n");
    let (_, plan, _) = live.run(&["plan"]);
    assert!(plan.contains("one  build"), "{plan}");
    assert!(plan.contains("two  up to date"), "{plan}");
    let second = live.up();
    assert_eq!(second.matches("built in").count(), 1, "{second}");
    assert!(second.contains("one  built in"), "{second}");
    assert!(
        second.contains("one  recreated (image changed)"),
        "{second}"
    );
    assert!(second.contains("two  unchanged"), "{second}");
}

#[test]
fn a_crashing_service_fails_at_once_with_its_exit_code_and_logs() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo connecting to db; echo fatal, no database >&2; exit 3\"\n    port: 8000\n    health: {{ http: /healthz, timeout: 60s }}\n  web:\n{}",
        server(3000, "    depends_on: [api]\n")
    );
    let live = LiveProject::new("crash", &manifest);
    let started = std::time::Instant::now();
    let (code, _, stderr) = live.run(&["up", "-d", "--progress", "plain"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        started.elapsed().as_secs() < 30,
        "a crash does not wait for the timeout"
    );
    assert!(
        stderr.contains("error: service `api` exited with code 3"),
        "{stderr}"
    );
    assert!(stderr.contains("fatal, no database"), "{stderr}");
    assert!(stderr.contains("stack logs api"), "{stderr}");
}

#[test]
fn a_service_that_never_gets_healthy_fails_at_its_timeout_with_the_probe_error() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo listening on the wrong port; exec httpd -f -p 9999\"\n    port: 8000\n    health: {{ http: /healthz, timeout: 3s }}\n"
    );
    let live = LiveProject::new("unhealthy", &manifest);
    let started = std::time::Instant::now();
    let (code, _, stderr) = live.run(&["up", "-d", "--progress", "plain"]);
    assert_eq!(code, 5, "{stderr}");
    let took = started.elapsed().as_secs_f64();
    assert!((3.0..15.0).contains(&took), "failed after {took}s");
    assert!(
        stderr.contains("error: service `api` did not become healthy within 3s"),
        "{stderr}"
    );
    assert!(stderr.contains("GET http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("listening on the wrong port"), "{stderr}");
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
    let (code, _, stderr) = live.run(&["up", "-d", "--progress", "plain"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: service `api`: host port 127.0.0.1:{port} is already in use"
        )),
        "{stderr}"
    );
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
        let (code, stdout, stderr) = live.run(&["exec", "db", "cat", "/data/first"]);
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let written = read();
    assert!(!written.is_empty());

    let (code, _, stderr) = live.run(&["down"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(live.container_ids().is_empty());
    let volume = format!("{}_data", live.name);
    assert_eq!(
        LiveProject::docker(&[
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

    let (code, _, stderr) = live.run(&["down", "--volumes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("volume {volume} removed")),
        "{stderr}"
    );
    assert_eq!(
        LiveProject::docker(&[
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
    let (_, stdout, _) = other.run(&["ps", "--json"]);
    assert!(stdout.contains("\"running\""), "{stdout}");
}

#[test]
fn a_failing_task_stops_its_dependents_from_starting() {
    require_engine!();
    let manifest = format!(
        "services:\n  migrate:\n    image: {BUSYBOX}\n    command: sh -c \"echo migration 42 failed; exit 1\"\n    task: true\n  api:\n{}",
        server(8000, "    depends_on: [migrate]\n")
    );
    let live = LiveProject::new("task", &manifest);
    let (code, _, stderr) = live.run(&["up", "-d", "--progress", "plain"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("error: service `migrate` exited with code 1 (task)"),
        "{stderr}"
    );
    assert!(stderr.contains("migration 42 failed"), "{stderr}");
    assert!(!stderr.contains("api      created"), "{stderr}");
}

#[test]
fn logs_exec_and_json_progress_work_on_a_running_stack() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo one; echo two; echo three; exec httpd -f -p 8000\"\n    port: 8000\n"
    );
    let live = LiveProject::new("tools", &manifest);
    let (code, stdout, stderr) = live.run(&["up", "-d", "--progress", "json"]);
    assert_eq!(code, 0, "{stderr}");
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
    assert!(
        events[3]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );

    // The lines are written before httpd starts, so they are all there once it is healthy.
    let (code, stdout, _) = live.run(&["logs", "--tail", "2", "api"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "api | two\napi | three\n");

    let (code, stdout, _) = live.run(&["exec", "api", "sh", "-c", "echo inside; exit 7"]);
    assert_eq!((code, stdout.as_str()), (7, "inside\n"));
    let (code, _, stderr) = live.run(&["exec", "nope", "true"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no service `nope`"), "{stderr}");
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
    let (code, _, stderr) = live.run(&["build", "--progress", "plain"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("error: service `api`: build failed at Step 3/"),
        "{stderr}"
    );
    assert!(stderr.contains("error: missing header foo.h"), "{stderr}");
    assert!(live.container_ids().is_empty());
}
