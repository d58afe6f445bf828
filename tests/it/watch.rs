//! `stack watch` and `stack up --watch` on the real engine: a Python edit is copied into
//! the running container and served without a rebuild, a dependency change rebuilds, a Go
//! edit rebuilds only that service and a broken one leaves the old container serving,
//! deletions follow, ignored files do nothing, `watch:` rules and stack.yaml edits apply.
//!
//! The FastAPI service installs fastapi and uvicorn from PyPI, so its builds trust the
//! machine's CA bundle (STACK_CA_CERT), as tests/it/finsight.rs does.

use std::time::{Duration, Instant};

use crate::common::{
    BUSYBOX, CA_BUNDLE, LiveProject, Running, copy_fixture, docker, http, require_engine,
};

/// Long enough for a cold build of a service on a busy 2-core machine.
const BUILD: Duration = Duration::from_secs(600);
/// Long enough for an update that needs no build.
const UPDATE: Duration = Duration::from_secs(30);

const FASTAPI: &str = "services:\n  api:\n    path: ./api\n    version: \"3.11\"\n    port: 8000\n    health: { http: / }\n";

/// A FastAPI service answering `{"version": N}` on `/`.
fn fastapi(tag: &str) -> LiveProject {
    let mut live = LiveProject::new(tag, FASTAPI);
    live.project
        .file(
            "api/requirements.txt",
            "fastapi==0.115.6\nuvicorn==0.32.1\n",
        )
        .file("api/main.py", &main_py(1));
    live.env
        .push(("STACK_CA_CERT".to_string(), CA_BUNDLE.to_string()));
    live
}

fn main_py(version: u32) -> String {
    format!(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/\")\ndef root():\n    return {{\"version\": {version}}}\n"
    )
}

/// `stack ARGS` running in the background, once it says it is watching.
fn watching(live: &LiveProject, args: &[&str]) -> Running {
    let env: Vec<(&str, &str)> = live
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut watch = Running::start(live, args, &env);
    watch.wait_for("for changes", BUILD);
    watch
}

/// `docker inspect -f FORMAT <project>-<service>`.
fn inspect(live: &LiveProject, service: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, &format!("{}-{service}", live.name)])
}

/// Where the host reaches the service's `port` now.
fn address(live: &LiveProject, service: &str, port: u16) -> String {
    let published = docker(&[
        "port",
        &format!("{}-{service}", live.name),
        &port.to_string(),
    ]);
    let first = published.lines().next().expect("the port is published");
    first.replace("0.0.0.0", "127.0.0.1")
}

/// GETs `/` on the service until the body contains `wanted`; fails after `within`.
fn served(live: &LiveProject, service: &str, port: u16, wanted: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut last = String::new();
    while Instant::now() < deadline {
        let address = address(live, service, port);
        if std::net::TcpStream::connect(&address).is_ok() {
            let (_, body) = http(&address, "GET", "/", None);
            if body.contains(wanted) {
                return;
            }
            last = body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("`{service}` never served `{wanted}`; last answer: {last:?}");
}

/// Whether `path` exists in the service's container.
fn in_container(live: &LiveProject, service: &str, path: &str) -> bool {
    std::process::Command::new("docker")
        .args([
            "exec",
            &format!("{}-{service}", live.name),
            "test",
            "-e",
            path,
        ])
        .status()
        .expect("docker runs")
        .success()
}

#[test]
fn a_python_edit_is_served_without_a_rebuild() {
    require_engine!();
    let live = fastapi("watch-py");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    served(&live, "api", 8000, "\"version\":1", UPDATE);
    assert!(
        inspect(&live, "api", "{{json .Config.Cmd}}").contains("--reload"),
        "under watch, uvicorn runs with its reloader"
    );
    let image = inspect(&live, "api", "{{.Image}}");
    let container = inspect(&live, "api", "{{.Id}}");

    live.project.file("api/main.py", &main_py(2));
    watch.wait_for("api  synced 1 file", UPDATE);
    served(&live, "api", 8000, "\"version\":2", UPDATE);
    assert_eq!(inspect(&live, "api", "{{.Image}}"), image, "no rebuild");
    assert_eq!(
        inspect(&live, "api", "{{.Id}}"),
        container,
        "no new container"
    );
    assert_eq!(watch.count("rebuilding"), 0, "{}", watch.seen());

    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("api  stopped"), "{output}");

    // A plain `up` runs the production command again, and says why it recreates.
    let up = live.up();
    assert!(
        up.stderr
            .contains("api  recreated (back to its production command after watch; image changed)"),
        "{}",
        up.stderr
    );
    assert!(!inspect(&live, "api", "{{json .Config.Cmd}}").contains("--reload"));
}

#[test]
fn a_kept_container_gets_back_only_what_changed_since_it_was_created() {
    require_engine!();
    let live = fastapi("watch-kept");
    live.project
        .file("api/helpers/a.py", "A = 1\n")
        .file("api/helpers/b.py", "B = 1\n");
    // Files of a checkout are older than the container (watch allows the engine's clock
    // a minute ahead of this machine's).
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for file in ["api/main.py", "api/helpers/a.py", "api/helpers/b.py"] {
        std::fs::File::options()
            .write(true)
            .open(live.project.path().join(file))
            .and_then(|f| f.set_modified(hour_ago))
            .expect("backdate");
    }
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    served(&live, "api", 8000, "\"version\":1", UPDATE);
    live.project.file("api/main.py", &main_py(2));
    watch.wait_for("api  synced 1 file", UPDATE);
    served(&live, "api", 8000, "\"version\":2", UPDATE);
    // Killed: the container keeps running with version 2 copied in.
    watch.signal("KILL");
    let _ = watch.finish();
    let container = inspect(&live, "api", "{{.Id}}");

    // Back to what the image was built from: the container is kept, and only the file
    // changed since it was created is copied again, not the whole tree.
    live.project.file("api/main.py", &main_py(1));
    let watch = watching(&live, &["watch", "--progress", "plain"]);
    assert_eq!(inspect(&live, "api", "{{.Id}}"), container, "kept");
    assert_eq!(watch.count("api  synced 1 file"), 1, "{}", watch.seen());
    served(&live, "api", 8000, "\"version\":1", UPDATE);
    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_file_deleted_on_the_host_is_gone_in_the_container() {
    require_engine!();
    let live = fastapi("watch-rm");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    live.project.file("api/helpers/util.py", "ANSWER = 42\n");
    watch.wait_for("api  synced", UPDATE);
    assert!(in_container(&live, "api", "/app/helpers/util.py"));

    std::fs::remove_file(live.project.path().join("api/helpers/util.py")).expect("rm");
    watch.wait_for("api  deleted 1 file", UPDATE);
    assert!(!in_container(&live, "api", "/app/helpers/util.py"));
    std::fs::remove_dir(live.project.path().join("api/helpers")).expect("rmdir");
    watch.wait_for_count("api  deleted 1 file", 2, UPDATE);
    assert!(!in_container(&live, "api", "/app/helpers"));
}

#[test]
fn an_ignored_file_changes_nothing() {
    require_engine!();
    let live = fastapi("watch-ignored");
    live.project.file("api/.dockerignore", "notes/\n*.log\n");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    let image = inspect(&live, "api", "{{.Image}}");
    // Left out of the build by the service's .dockerignore, by stack's secret rules
    // (.env) or always (.git): none of them is copied, none rebuilds.
    for ignored in [
        "api/notes/todo.md",
        "api/debug.log",
        "api/.env",
        "api/.git/HEAD",
    ] {
        live.project.file(ignored, "x\n");
    }
    std::thread::sleep(Duration::from_millis(500));
    // A file that is watched, after them: the next line is about it alone.
    live.project.file("api/marker.py", "X = 1\n");
    watch.wait_for("api  synced 1 file", UPDATE);
    std::thread::sleep(Duration::from_millis(500));
    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    let updates: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("api  ") && (l.contains("synced") || l.contains("rebuild")))
        .collect();
    assert_eq!(updates, ["api  synced 1 file"], "{output}");
    assert_eq!(inspect(&live, "api", "{{.Image}}"), image);
    for ignored in ["notes/todo.md", "debug.log", ".env", ".git/HEAD"] {
        assert!(
            !in_container(&live, "api", &format!("/app/{ignored}")),
            "{ignored}"
        );
    }
}

#[test]
fn a_requirements_change_rebuilds() {
    require_engine!();
    let live = fastapi("watch-reqs");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    let image = inspect(&live, "api", "{{.Image}}");
    // Already a dependency of fastapi: pinned, it changes the file, not what runs.
    live.project.file(
        "api/requirements.txt",
        "fastapi==0.115.6\nuvicorn==0.32.1\nsniffio==1.3.1\n",
    );
    watch.wait_for("api  rebuilding (requirements.txt changed)", UPDATE);
    watch.wait_for_count("api  healthy in", 2, BUILD);
    assert_ne!(inspect(&live, "api", "{{.Image}}"), image, "a new image");
    served(&live, "api", 8000, "\"version\":1", UPDATE);
    assert!(
        inspect(&live, "api", "{{json .Config.Cmd}}").contains("--reload"),
        "still the dev command"
    );
}

const GO_MAIN: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {\n\t\tfmt.Fprintln(w, \"ingest v1\")\n\t})\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";

/// A Go service without dependencies (no module proxy needed) and a service that
/// depends on it.
fn go_and_dependent(tag: &str) -> LiveProject {
    let manifest = format!(
        "services:\n  ingest:\n    path: ./ingest\n    port: 8080\n    health: {{ http: / }}\n  web:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n    depends_on: [ingest]\n"
    );
    let live = LiveProject::new(tag, &manifest);
    live.project
        .file("ingest/go.mod", "module example.com/ingest\n\ngo 1.23\n")
        .file("ingest/main.go", GO_MAIN);
    live
}

#[test]
fn a_go_edit_rebuilds_only_that_service() {
    require_engine!();
    let live = go_and_dependent("watch-go");
    let mut watch = watching(&live, &["up", "--watch", "--progress", "plain"]);
    served(&live, "ingest", 8080, "ingest v1", UPDATE);
    let web = inspect(&live, "web", "{{.Id}}");
    let image = inspect(&live, "ingest", "{{.Image}}");

    live.project
        .file("ingest/main.go", &GO_MAIN.replace("ingest v1", "ingest v2"));
    watch.wait_for("ingest  rebuilding (main.go changed)", UPDATE);
    watch.wait_for_count("ingest  healthy in", 2, BUILD);
    served(&live, "ingest", 8080, "ingest v2", UPDATE);
    assert_ne!(inspect(&live, "ingest", "{{.Image}}"), image);
    assert_eq!(
        inspect(&live, "web", "{{.Id}}"),
        web,
        "its dependent is kept"
    );
    assert_eq!(watch.count("web     recreated"), 0, "{}", watch.seen());
    // stack's labels are on the image, and are not shown as the user's steps: every
    // step's number is within the total it shows.
    let image = inspect(&live, "ingest", "{{.Image}}");
    let labels = docker(&["image", "inspect", "-f", "{{json .Config.Labels}}", &image]);
    for label in [
        format!("\"dev.stack.project\":\"{}\"", live.name),
        "\"dev.stack.service\":\"ingest\"".to_string(),
        "\"dev.stack.context-hash\":".to_string(),
    ] {
        assert!(labels.contains(&label), "{label} in {labels}");
    }
    // All three in one step of the image's history, not one step each.
    let history = docker(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}",
        &image,
    ]);
    let steps: Vec<&str> = history
        .lines()
        .filter(|l| l.contains("LABEL dev.stack"))
        .collect();
    assert_eq!(steps.len(), 1, "{history}");
    assert!(
        !watch.seen().contains("LABEL dev.stack"),
        "{}",
        watch.seen()
    );
    for step in watch.seen().lines().filter_map(|l| l.split("Step ").nth(1)) {
        let (number, rest) = step.split_once('/').expect("Step N/M");
        let total = rest.split_once(' ').map_or(rest, |(t, _)| t);
        let number: u32 = number.parse().expect("a step number");
        let total: u32 = total.parse().expect("a step total");
        assert!(number <= total, "Step {step}");
    }

    // Ctrl-C in the middle of a rebuild ends watch, and leaves no lock behind.
    live.project
        .file("ingest/main.go", &GO_MAIN.replace("ingest v1", "ingest v3"));
    watch.wait_for_count("ingest  rebuilding (main.go changed)", 2, UPDATE);
    watch.wait_for_count("ingest  building", 3, UPDATE);
    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    let lock = format!("name=^{}-stack-lock$", live.name);
    assert_eq!(docker(&["ps", "-aq", "--filter", &lock]), "", "{output}");
}

#[test]
fn a_broken_go_edit_leaves_the_old_container_serving() {
    require_engine!();
    let live = go_and_dependent("watch-go-broken");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    let container = inspect(&live, "ingest", "{{.Id}}");

    let broken = GO_MAIN.replace("\"ingest v1\")", "\"ingest v2\"");
    live.project.file("ingest/main.go", &broken);
    watch.wait_for("ingest  update failed: build failed", BUILD);
    watch.wait_for("the container from before keeps running, unchanged", UPDATE);
    assert!(watch.seen().contains("syntax error"), "{}", watch.seen());
    // The builder's colour codes around the compiler's stderr are not shown.
    assert!(!watch.seen().contains('\x1b'), "{:?}", watch.seen());
    assert_eq!(inspect(&live, "ingest", "{{.Id}}"), container);
    served(&live, "ingest", 8080, "ingest v1", UPDATE);

    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "a failed update does not fail watch: {output}");
}

#[test]
fn watch_rules_sync_at_start_and_a_manifest_edit_is_applied() {
    require_engine!();
    let manifest = format!(
        "services:\n  web:\n    image: {BUSYBOX}\n    command: sh -c \"mkdir -p /www && exec httpd -f -p 8000 -h /www\"\n    port: 8000\n    watch:\n      - {{ path: ./site, action: sync, target: /www, ignore: [\"*.tmp\"] }}\n"
    );
    let live = LiveProject::new("watch-rules", &manifest);
    live.project.file("site/index.html", "hello v1\n");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    // The image has no /www: the first sync put the page there.
    served(&live, "web", 8000, "hello v1", UPDATE);

    live.project.file("site/index.html", "hello v2\n");
    live.project.file("site/scratch.tmp", "ignored\n");
    watch.wait_for_count("web  synced 1 file", 2, UPDATE);
    served(&live, "web", 8000, "hello v2", UPDATE);
    assert!(!in_container(&live, "web", "/www/scratch.tmp"));

    let edited = format!("name: {}\n{manifest}", live.name).replace(
        "    port: 8000\n",
        "    port: 8000\n    env: { GREETING: hi }\n",
    );
    live.project.file("stack.yaml", &edited);
    watch.wait_for("stack.yaml changed: planning again", UPDATE);
    watch.wait_for("web  recreated (env changed)", UPDATE);
    watch.wait_for_count("web  healthy in", 2, UPDATE);
    assert!(inspect(&live, "web", "{{json .Config.Env}}").contains("GREETING=hi"));
    // The new container got the rule's files too.
    served(&live, "web", 8000, "hello v2", UPDATE);

    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_crash_while_watching_is_reported_and_fails_the_run_while_the_service_is_down() {
    require_engine!();
    // The service dies (exit code 3) once a synced file tells it to.
    let manifest = format!(
        "services:\n  web:\n    image: {BUSYBOX}\n    command: sh -c \"mkdir -p /www; httpd -p 8000 -h /www; while [ ! -e /www/crash ]; do sleep 0.1; done; exit 3\"\n    port: 8000\n    watch:\n      - {{ path: ./site, action: sync, target: /www }}\n"
    );
    let live = LiveProject::new("watch-crash", &manifest);
    live.project.file("site/index.html", "up\n");
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    live.project.file("site/crash", "now\n");
    watch.wait_for("web  exited with code 3; not restarted", UPDATE);
    watch.signal("INT");
    let (code, output) = watch.finish();
    assert_eq!(code, 5, "{output}");
    assert!(
        output.contains("error: service `web` exited with code 3"),
        "{output}"
    );
}

#[test]
fn a_front_end_runs_its_dev_server_and_serves_edits_without_a_rebuild() {
    require_engine!();
    let mut live = LiveProject::new(
        "watch-vite",
        "services:\n  web:\n    path: ./web\n    port: 3000\n    health: { http: / }\n",
    );
    copy_fixture("node-vite-react", &live.project.path().join("web"));
    live.env
        .push(("STACK_CA_CERT".to_string(), CA_BUNDLE.to_string()));
    let mut watch = watching(&live, &["watch", "--progress", "plain"]);
    // Vite's own server, on the stage with every dependency, not nginx and a built site.
    assert!(inspect(&live, "web", "{{json .Config.Cmd}}").contains("vite"));
    let image = inspect(&live, "web", "{{.Image}}");

    let app = live.project.path().join("web/src/App.jsx");
    let text = std::fs::read_to_string(&app).expect("the fixture has App.jsx");
    std::fs::write(&app, text.replace("<h1>", "<h1 data-edit=\"saved\">")).expect("write");
    watch.wait_for("web  synced 1 file", UPDATE);
    let deadline = Instant::now() + UPDATE;
    loop {
        let (_, module) = http(&address(&live, "web", 3000), "GET", "/src/App.jsx", None);
        if module.contains("saved") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dev server never served the edit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(inspect(&live, "web", "{{.Image}}"), image, "no rebuild");
}
