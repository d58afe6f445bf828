//! Every skeleton of `stack new service`, on the real engine: written into a fresh project,
//! built from its generated Dockerfile by `stack up -d`, healthy, answering on `/`, and
//! its own unit test passing with its language's test tool. One test per skeleton, so they
//! build in parallel; the base images come from scripts/base-images.

use std::path::Path;
use std::process::Command;

use crate::common::{CA_BUNDLE, LiveProject, docker, http, require_engine};

/// `text` split at spaces: command lines without quoting.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// `stack new service svc ARGS` in a fresh project, then `stack up -d`; asserts the service
/// is healthy and greets on `/`. Returns the project and the built image.
fn comes_up_healthy(tag: &str, args: &str) -> (LiveProject, String) {
    let live = LiveProject::new(tag, "");
    live.run(words(&format!("new service svc {args}")))
        .success();

    let up = live
        .run(["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"])
        .success();
    assert!(up.stderr.contains("svc  healthy in"), "{}", up.stderr);

    let ps = live.run(["ps", "--json"]).success();
    let rows: serde_json::Value = serde_json::from_str(&ps.stdout).expect("ps --json");
    let url = rows[0]["url"]
        .as_str()
        .expect("a published URL")
        .to_string();
    let (status, body) = http(url.trim_start_matches("http://"), "GET", "/", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("hello from svc"), "GET / answered: {body}");

    let container = format!("{}-svc", live.name);
    let image = docker(&["inspect", "-f", "{{.Config.Image}}", &container]);
    assert!(!image.is_empty(), "the container runs a built image");
    (live, image)
}

/// Runs `program args`, asserting success; returns stdout and stderr together.
fn passes(program: &str, args: &[&str], dir: Option<&Path>) -> String {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command.output().expect("the test runner starts");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
    text
}

fn service_dir(live: &LiveProject) -> std::path::PathBuf {
    live.project.path().join("services/svc")
}

/// A Python skeleton on the stand-in Python 3.11, its unit test run in its own image
/// (the test runner is the standard library's; the test client comes with the framework).
fn python(framework: &str, test: &str) {
    let (_live, image) = comes_up_healthy(
        &format!("new-{framework}"),
        &format!("--lang python --framework {framework} --version 3.11"),
    );
    let out = passes("docker", &words(&format!("run --rm {image} {test}")), None);
    assert!(
        out.contains("test_healthz_answers_ok") && out.contains("OK"),
        "{out}"
    );
}

#[test]
fn python_fastapi_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    python("fastapi", "python -m unittest -v");
}

#[test]
fn python_flask_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    python("flask", "python -m unittest -v");
}

#[test]
fn python_django_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    python("django", "python manage.py test -v 2");
}

#[test]
fn node_express_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    let (_live, image) = comes_up_healthy("new-express", "--lang node --version 18");
    let out = passes("docker", &["run", "--rm", &image, "node", "--test"], None);
    assert!(
        out.contains("# pass 1") && out.contains("# fail 0"),
        "{out}"
    );
}

#[test]
fn go_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    let (live, _) = comes_up_healthy("new-go", "--lang go --version 1.23");
    // The runtime image holds only the binary: the test runs in the build's Go image.
    let run = format!(
        "run --rm -v {}:/src:ro -w /src -e GOCACHE=/tmp/go-cache golang:1.23-bookworm go test -v ./...",
        service_dir(&live).display()
    );
    let out = passes("docker", &words(&run), None);
    assert!(out.contains("--- PASS: TestHealthzAnswersOK"), "{out}");
}

/// The `x.y` of this machine's rustc: scripts/base-images tags its Rust image with it.
fn host_rust_version() -> String {
    let out = passes("rustc", &["--version"], None);
    let full = out.split_whitespace().nth(1).expect("rustc x.y.z (…)");
    full.rsplit_once('.')
        .map_or(full, |(minor, _)| minor)
        .to_string()
}

#[test]
fn rust_axum_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    let version = host_rust_version();
    let (live, _) = comes_up_healthy("new-axum", &format!("--lang rust --version {version}"));
    // The runtime image holds only the binary: the test runs with this machine's cargo,
    // `--locked` as in the image build, so the embedded Cargo.lock must be exact.
    let target = std::env::temp_dir().join("stack-it-axum-skeleton-target");
    let target = target.to_string_lossy().into_owned();
    let out = passes(
        "cargo",
        &["test", "--locked", "--target-dir", &target],
        Some(&service_dir(&live)),
    );
    assert!(
        out.contains("test tests::healthz_answers_ok ... ok"),
        "{out}"
    );
}

#[test]
fn java_skeleton_builds_healthy_and_its_test_passes() {
    require_engine!();
    let (live, _) = comes_up_healthy("new-java", "--lang java --version 17");
    // The runtime image is a JRE: the test compiles and runs in the build's JDK image.
    let mount = format!("{}:/src:ro", service_dir(&live).display());
    let out = passes(
        "docker",
        &[
            "run",
            "--rm",
            "-v",
            &mount,
            "-w",
            "/src",
            "eclipse-temurin:17-jdk",
            "sh",
            "-c",
            "javac -d /tmp/out $(find src -name '*.java') && java -cp /tmp/out app.MainTest",
        ],
        None,
    );
    assert!(out.contains("ok: GET /healthz answers 200"), "{out}");
}
