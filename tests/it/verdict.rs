//! The verdict: `up` says "ready" only when every service is, and says what went wrong
//! when one is not, whenever that happens: a kept container is checked, a service without
//! a check must stay up, a crash at any moment before `up` returns fails it, a foreground
//! `up` reports every container that stops, a lost engine is its own error, hints follow
//! what the probe saw, two `up`s of one project take turns, and a signal leaves nothing
//! this run started.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BUSYBOX, LiveProject, Output, Running, docker, require_engine};

/// `docker inspect -f FORMAT <project>-<service>`.
fn inspect(live: &LiveProject, service: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, &format!("{}-{service}", live.name)])
}

/// Whether the service's container was ever started.
fn ever_started(live: &LiveProject, service: &str) -> bool {
    !inspect(live, service, "{{.State.StartedAt}}").starts_with("0001-01-01")
}

fn running(live: &LiveProject, service: &str) -> bool {
    inspect(live, service, "{{.State.Running}}") == "true"
}

/// A foreground `up` of `live`, followed until a line contains `seen` (after `cause` ran),
/// then stopped with Ctrl-C: its exit code and output.
fn follow_until(
    live: &LiveProject,
    progress: &str,
    cause: impl FnOnce(),
    seen: &str,
) -> (i32, String) {
    let mut up = Running::start(live, &["up", "--progress", progress], &[]);
    up.wait_for("following logs", Duration::from_secs(60));
    cause();
    up.wait_for(seen, Duration::from_secs(60));
    up.signal("INT");
    up.finish()
}

/// `up -d` of a new project from `manifest`, which must fail as unhealthy (exit code 5).
fn failing_up(tag: &str, manifest: &str) -> (LiveProject, Output) {
    let live = LiveProject::new(tag, manifest);
    let out = live.run(["up", "-d", "--progress", "plain"]);
    assert_eq!(out.code, 5, "{}", out.normalized());
    (live, out)
}

/// A service that becomes ready when `/tmp/ready` exists, after `delay` seconds.
fn slow(delay: &str, extra: &str) -> String {
    format!(
        "    image: {BUSYBOX}\n    command: sh -c \"sleep {delay}; touch /tmp/ready; exec sleep 1000\"\n    health: {{ cmd: \"test -f /tmp/ready\", timeout: 60s }}\n{extra}"
    )
}

#[test]
fn a_rerun_checks_a_kept_service_before_calling_it_ready() {
    require_engine!();
    let manifest = format!(
        "services:\n  web:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n    health: {{ http: /nope, timeout: 3s }}\n  dep:\n    image: {BUSYBOX}\n    command: httpd -f -p 8001\n    port: 8001\n    depends_on: [web]\n"
    );
    let (live, _) = failing_up("rerun", &manifest);
    // web is still running, unchanged: the second `up` keeps it, and checks it again.
    let second = live.run(["up", "-d", "--progress", "plain"]);
    // Exit code 5 again (not a green retry), web's 404 with the hint about the path, and
    // dep not started.
    insta::assert_snapshot!(second.normalized());
    assert!(!ever_started(&live, "dep"), "dep never started");
}

#[test]
fn a_service_without_a_check_that_crashes_fails_up_at_once_or_later() {
    require_engine!();
    for (tag, command) in [
        ("crash-now", "exit 3"),
        ("crash-later", "sleep 0.5; exit 3"),
    ] {
        let manifest = format!(
            "services:\n  worker:\n    image: {BUSYBOX}\n    command: sh -c \"echo working; {command}\"\n  dependent:\n    image: {BUSYBOX}\n    command: sleep 1000\n    depends_on: [worker]\n"
        );
        let live = LiveProject::new(tag, &manifest);
        let out = live.run(["up", "-d", "--progress", "plain"]);
        // Exit code 5, `exited with code 3` and its line; dependent not started.
        insta::assert_snapshot!(tag, out.normalized());
        assert!(
            !ever_started(&live, "dependent"),
            "{tag}: dependent started"
        );
    }
}

#[test]
fn a_service_that_dies_while_others_still_start_fails_up() {
    require_engine!();
    // `early` counts as running after a second, then dies while `late` still starts.
    let manifest = format!(
        "services:\n  early:\n    image: {BUSYBOX}\n    command: sh -c \"sleep 2; echo giving up >&2; exit 4\"\n  late:\n{}",
        slow("5", "")
    );
    let started = Instant::now();
    let (_live, out) = failing_up("dies", &manifest);
    assert!(
        out.stderr
            .contains("error: service `early` exited with code 4"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("| giving up"), "{}", out.stderr);
    assert!(
        out.stderr.contains("late   not ready: `early` failed"),
        "{}",
        out.stderr
    );
    // It failed when early died, not when late became ready.
    assert!(started.elapsed() < Duration::from_secs(5), "{}", out.stderr);
}

#[test]
fn a_foreground_up_reports_a_crash_after_ready_and_fails() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n  worker:\n    image: {BUSYBOX}\n    command: sh -c \"echo working; sleep 3; echo out of work >&2; exit 7\"\n"
    );
    let live = LiveProject::new("fgcrash", &manifest);
    let (code, output) = follow_until(
        &live,
        "plain",
        || {},
        "worker  exited with code 7; not restarted",
    );
    // The crash decides the exit code: the stack was not healthy when it was stopped.
    assert_eq!(code, 5, "{output}");
    assert!(
        output.contains("error: service `worker` exited with code 7"),
        "{output}"
    );
    assert!(output.contains("| out of work"), "{output}");
    assert!(!running(&live, "api"), "Ctrl-C stopped the stack");

    // With --progress json, the crash is an event on stdout.
    live.run(["down"]).success();
    let (code, output) = follow_until(&live, "json", || {}, "\"event\":\"exited\"");
    assert_eq!(code, 5, "{output}");
    assert!(
        output.contains(
            r#"{"event":"exited","service":"worker","exit_code":7,"oom":false,"signal":null,"restarting":false}"#
        ),
        "{output}"
    );
}

#[test]
fn an_oom_kill_is_named_as_such() {
    require_engine!();
    // `hog` waits for a go, then asks for a 200 MB buffer; the test gives it a small
    // memory limit first (the manifest has no memory limit to set).
    let manifest = format!(
        "services:\n  hog:\n    image: {BUSYBOX}\n    command: sh -c \"while [ ! -f /tmp/go ]; do sleep 0.1; done; exec dd if=/dev/zero of=/dev/null bs=200M count=1\"\n"
    );
    let live = LiveProject::new("oom", &manifest);
    let container = format!("{}-hog", live.name);
    let hog = || {
        docker(&[
            "update",
            "--memory",
            "16m",
            "--memory-swap",
            "16m",
            &container,
        ]);
        docker(&["exec", &container, "touch", "/tmp/go"]);
    };
    let (code, output) = follow_until(
        &live,
        "plain",
        hog,
        "hog  killed: out of memory (exit code 137); not restarted",
    );
    assert_eq!(code, 5, "{output}");
    assert!(
        output.contains("error: service `hog` was killed: out of memory (exit code 137)"),
        "{output}"
    );
}

#[test]
fn a_stop_from_outside_or_a_signal_after_ready_ends_a_foreground_up_with_0() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n"
    );
    let live = LiveProject::new("fgstop", &manifest);
    let stop = || {
        docker(&["stop", &format!("{}-api", live.name)]);
    };
    let (code, output) = follow_until(&live, "plain", stop, "api  stopped by signal 15");
    assert_eq!(code, 0, "{output}");

    // SIGTERM after ready ends a foreground `up` the way Ctrl-C does: stop, exit 0.
    let mut up = Running::start(&live, &["up", "--progress", "plain"], &[]);
    up.wait_for("following logs", Duration::from_secs(60));
    up.signal("TERM");
    let (code, output) = up.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("api  stopped"), "{output}");
    assert!(!running(&live, "api"));
}

/// A Unix socket that forwards to the engine's, until the test cuts it: an engine that
/// goes away mid-run, without touching the real one.
struct Proxy {
    path: std::path::PathBuf,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::os::unix::net::UnixStream>>>,
    _dir: tempfile::TempDir,
}

impl Proxy {
    fn start() -> Proxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).expect("bind the proxy socket");
        let streams = std::sync::Arc::new(std::sync::Mutex::new(Vec::<UnixStream>::new()));
        let kept = streams.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                    return;
                };
                let mut all = kept.lock().expect("not poisoned");
                for (from, to) in [(&client, &engine), (&engine, &client)] {
                    let (mut from, mut to) = (
                        from.try_clone().expect("clone"),
                        to.try_clone().expect("clone"),
                    );
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
                all.push(client);
                all.push(engine);
            }
        });
        Proxy {
            path,
            streams,
            _dir: dir,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// The engine is gone: every connection is cut and no new one is accepted.
    fn cut(&self) {
        let _ = std::fs::remove_file(&self.path);
        for stream in self.streams.lock().expect("not poisoned").iter() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn losing_the_engine_mid_build_or_mid_check_is_its_own_error() {
    require_engine!();
    // Mid-build: today "build failed … error reading a body" (exit 4).
    let live = LiveProject::new("lostbuild", "services:\n  api:\n    path: ./api\n");
    // The project's name in the step: never in the engine's layer cache.
    live.project.file(
        "api/Dockerfile",
        &format!(
            "FROM {BUSYBOX}\nRUN echo compiling {}; sleep 5\nCMD [\"sleep\", \"1000\"]\n",
            live.name
        ),
    );
    let proxy = Proxy::start();
    let host = proxy.host();
    let mut up = Running::start(
        &live,
        &["up", "-d", "--progress", "plain"],
        &[("DOCKER_HOST", &host)],
    );
    up.wait_for("Step 2/3", Duration::from_secs(60));
    proxy.cut();
    let (code, output) = up.finish();
    assert_eq!(code, 3, "{output}");
    // The build's stream or the watch on the project's containers: whichever notices
    // first.
    assert!(output.contains("error: lost the Docker engine"), "{output}");
    assert!(
        output.contains("hint: the engine stopped answering"),
        "{output}"
    );
    assert!(!output.contains("build failed"), "{output}");

    // Mid-check: today "service `b` exited with code -1" (exit 5).
    let manifest = format!("services:\n  b:\n{}", slow("30", ""));
    let live = LiveProject::new("lostcheck", &manifest);
    let proxy = Proxy::start();
    let host = proxy.host();
    let mut up = Running::start(
        &live,
        &["up", "-d", "--progress", "plain"],
        &[("DOCKER_HOST", &host)],
    );
    up.wait_for("b  started", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    proxy.cut();
    let (code, output) = up.finish();
    assert_eq!(code, 3, "{output}");
    assert!(output.contains("error: lost the Docker engine"), "{output}");
    assert!(!output.contains("exited with code"), "{output}");
}

#[test]
fn hints_follow_what_the_probe_saw() {
    require_engine!();
    // Listening on 127.0.0.1 inside the container: the published port cannot reach it.
    let manifest = format!(
        "services:\n  local:\n    image: {BUSYBOX}\n    command: httpd -f -p 127.0.0.1:8000\n    port: 8000\n    health: {{ http: /, timeout: 2s }}\n"
    );
    let (_live, out) = failing_up("loopback", &manifest);
    assert!(
        out.stderr.contains(
            "hint: `local` listens on 127.0.0.1:8000 inside its container, which the published port cannot reach: make it listen on 0.0.0.0:8000"
        ),
        "{}",
        out.stderr
    );

    // Something accepts the connection and closes it 100 ms later without a word, as the
    // engine's port forwarding does when nothing answers behind it: a TCP check must hold.
    let manifest = format!(
        "services:\n  flaky:\n    image: {BUSYBOX}\n    command: sh -c \"printf '#!/bin/sh\\\\nsleep 0.1\\\\n' > /tmp/hang; chmod +x /tmp/hang; exec nc -ll -p 8000 -e /tmp/hang\"\n    port: 8000\n    health: {{ tcp: true, timeout: 3s }}\n"
    );
    let (_live, out) = failing_up("tcphold", &manifest);
    assert!(
        out.stderr.contains("did not become healthy within 3s"),
        "{}",
        out.stderr
    );
}

#[test]
fn two_ups_of_one_project_take_turns() {
    require_engine!();
    let manifest = format!(
        "services:\n  a:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n  b:\n    image: {BUSYBOX}\n    command: sleep 1000\n    depends_on: [a]\n"
    );
    let live = LiveProject::new("twice", &manifest);
    let ups: Vec<Running> = (0..2)
        .map(|_| Running::start(&live, &["up", "-d", "--progress", "plain"], &[]))
        .collect();
    let outputs: Vec<(i32, String)> = ups.into_iter().map(Running::finish).collect();
    for (code, output) in &outputs {
        assert_eq!(*code, 0, "{output}");
    }
    let waited = outputs
        .iter()
        .filter(|(_, o)| o.contains(&format!("waiting for another stack up of {}", live.name)))
        .count();
    assert_eq!(waited, 1, "{outputs:?}");
    let network = format!("{}_default", live.name);
    let networks = docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("name=^{network}$"),
    ]);
    assert_eq!(networks.lines().count(), 1, "one network: {networks}");
    assert_eq!(live.container_ids().len(), 2, "a and b; the lock is gone");
    live.run(["down"]).success();
}

#[test]
fn a_lock_waits_for_its_holder_and_is_taken_from_a_dead_one() {
    require_engine!();
    let manifest = format!("services:\n  a:\n    image: {BUSYBOX}\n    command: sleep 1000\n");
    let live = LiveProject::new("lock", &manifest);
    // The lock image exists once any lock was taken.
    live.run(["down"]).success();
    let lock = format!("{}-stack-lock", live.name);
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("a hostname")
        .trim()
        .to_string();
    let hold = |pid: u32| {
        docker(&[
            "create",
            "--name",
            &lock,
            "--label",
            &format!("dev.stack.project={}", live.name),
            "--label",
            "dev.stack.lock.command=up",
            "--label",
            &format!("dev.stack.lock.pid={pid}"),
            "--label",
            &format!("dev.stack.lock.host={hostname}"),
            "stack-lock:1",
            "stack-lock",
        ])
    };
    // Held by a live process (this test): `up` waits, says for whom, and goes on once the
    // lock is released.
    hold(std::process::id());
    let mut up = Running::start(&live, &["up", "-d", "--progress", "plain"], &[]);
    up.wait_for(
        &format!(
            "waiting for another stack up of {} (pid {})",
            live.name,
            std::process::id()
        ),
        Duration::from_secs(30),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        live.container_ids().len() == 1,
        "nothing done while waiting"
    );
    docker(&["rm", &lock]);
    let (code, output) = up.finish();
    assert_eq!(code, 0, "{output}");

    // Held by a process that died: taken over at once.
    hold(4_194_305);
    let out = live.run(["down"]).success();
    assert!(!out.stderr.contains("waiting"), "{}", out.stderr);
    assert!(live.container_ids().is_empty(), "down removed the lock too");
}

#[test]
fn down_removes_every_copy_of_the_network_that_older_versions_left() {
    require_engine!();
    let manifest = format!("services:\n  a:\n    image: {BUSYBOX}\n    command: sleep 1000\n");
    let live = LiveProject::new("dupnet", &manifest);
    let network = format!("{}_default", live.name);
    let count = || {
        docker(&[
            "network",
            "ls",
            "-q",
            "--filter",
            &format!("name=^{network}$"),
        ])
        .lines()
        .count()
    };
    // Concurrent creates on Engine 20.10 make copies, as two `up`s of older versions did.
    let duplicate = || {
        for _ in 0..10 {
            let creates: Vec<_> = (0..4)
                .map(|_| {
                    Command::new("docker")
                        .args([
                            "network",
                            "create",
                            "--label",
                            &format!("dev.stack.project={}", live.name),
                            &network,
                        ])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("docker runs")
                })
                .collect();
            for mut create in creates {
                let _ = create.wait();
            }
            if count() >= 2 {
                return;
            }
        }
        panic!("the engine made no copy of {network}");
    };
    duplicate();
    // `up` removes the spare copies and comes up.
    live.up();
    assert_eq!(count(), 1);
    live.run(["down"]).success();
    duplicate();
    let out = live.run(["down"]);
    assert_eq!(out.code, 0, "{}", out.normalized());
    assert!(!out.stderr.contains("does not belong"), "{}", out.stderr);
    assert_eq!(count(), 0, "every copy removed");
}

#[test]
fn a_signal_before_ready_stops_what_this_run_started_and_nothing_else() {
    require_engine!();
    let manifest = |with_new: bool| {
        let mut text =
            format!("services:\n  kept:\n    image: {BUSYBOX}\n    command: sleep 1000\n");
        if with_new {
            text.push_str(&format!(
                "  slow:\n{}  after:\n    image: {BUSYBOX}\n    command: sleep 1000\n    depends_on: [slow]\n",
                slow("60", "")
            ));
        }
        text
    };
    let live = LiveProject::new("signal", &manifest(false));
    live.up();
    live.project.file(
        "stack.yaml",
        &format!("name: {}\n{}", live.name, manifest(true)),
    );
    // Ctrl-C during `up -d`: exit 130; slow (started by this run) stopped, after (never
    // started) not started, kept left running as it was.
    for (signal, args, code) in [
        ("INT", &["up", "-d", "--progress", "plain"][..], 130),
        ("TERM", &["up", "--progress", "plain"][..], 143),
    ] {
        let mut up = Running::start(&live, args, &[]);
        up.wait_for("slow   started", Duration::from_secs(60));
        up.signal(signal);
        let (exit, output) = up.finish();
        assert_eq!(exit, code, "{signal}: {output}");
        assert!(output.contains("slow   interrupted: stopped"), "{output}");
        assert!(
            output.contains("after  not started: interrupted"),
            "{output}"
        );
        assert!(!running(&live, "slow"), "{signal}: slow stopped");
        assert!(
            !ever_started(&live, "after"),
            "{signal}: after never started"
        );
        assert!(running(&live, "kept"), "{signal}: kept left running");
        let locks = docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("name=^{}-stack-lock$", live.name),
        ]);
        assert!(locks.is_empty(), "{signal}: the lock is released");
    }
}

/// Every row of the README's exit-code table that a user can reach, reached.
#[test]
fn every_exit_code_in_the_readme_is_what_stack_returns() {
    require_engine!();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    let table = readme
        .split("## Exit codes")
        .nth(1)
        .expect("an exit-code section");
    let documented: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| code"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1).map(str::trim))
        .collect();
    assert_eq!(
        documented,
        ["0", "1", "2", "3", "4", "5", "6", "130", "143", "other"],
        "the table lists these; each is checked below or in the signal tests"
    );
    let code = |manifest: &str, env: &[(&str, &str)]| {
        let live = LiveProject::new("codes", manifest);
        let mut command = live.stack();
        command
            .args(["up", "-d", "--progress", "plain"])
            .envs(env.iter().copied());
        let output = command.output().expect("stack runs");
        output.status.code().unwrap_or(-1)
    };
    let ok = format!("services:\n  a:\n    image: {BUSYBOX}\n    command: sleep 1000\n");
    assert_eq!(code(&ok, &[]), 0);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let taken = format!(
        "services:\n  a:\n    image: {BUSYBOX}\n    command: sleep 1000\n    port: 80\n    host_port: {port}\n"
    );
    assert_eq!(code(&taken, &[]), 1);
    assert_eq!(code("services:\n  a: { imag: x }\n", &[]), 2);
    assert_eq!(
        code(&ok, &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")]),
        3
    );
    let crash = format!("services:\n  a:\n    image: {BUSYBOX}\n    command: sh -c \"exit 9\"\n");
    assert_eq!(code(&crash, &[]), 5);
    // `stack ci`: the environment did not come up, so the command never ran.
    let ci = LiveProject::new("codes", &crash);
    let out = ci.run(["ci", "--", "touch", "ran"]);
    assert_eq!(out.code, 6, "{}", out.normalized());
    assert!(!ci.project.path().join("ran").exists());
    let live = LiveProject::new("codes", "services:\n  a:\n    path: ./a\n");
    live.project
        .file("a/Dockerfile", &format!("FROM {BUSYBOX}\nRUN exit 1\n"));
    assert_eq!(live.run(["up", "-d", "--progress", "plain"]).code, 4);
    let exec = LiveProject::new("codes", &ok);
    exec.up();
    assert_eq!(exec.run(["exec", "a", "sh", "-c", "exit 42"]).code, 42);
}
