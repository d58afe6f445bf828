//! The polyglot example, examples/finsight, end to end on the real engine: four toolchains
//! built from generated Dockerfiles, Postgres, Redis and the generated nginx gateway.
//!
//! Runs scripts/base-images first (it builds the local base images only when missing), and
//! needs a network that reaches PyPI and npm when builds trust the machine's CA bundle
//! (passed with STACK_CA_CERT).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::common::stack;

/// The machine's CA bundle: the extra CA that lets pip and npm reach their registries here.
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// A fixed project name, so a second run finds its images and builds nothing.
const PROJECT: &str = "finsight-e2e";

/// A copy of the example with its own project name and gateway port; `down --volumes` on drop.
struct Finsight {
    dir: tempfile::TempDir,
    port: u16,
}

impl Finsight {
    fn new() -> Finsight {
        // The base images the generated Dockerfiles start from (present: a fast no-op).
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let base = std::process::Command::new(root.join("scripts/base-images"))
            .output()
            .expect("scripts/base-images runs");
        assert!(
            base.status.success(),
            "scripts/base-images failed:\n{}",
            String::from_utf8_lossy(&base.stderr)
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let example = root.join("examples/finsight");
        let copied = std::process::Command::new("cp")
            .arg("-R")
            .arg(format!("{}/.", example.display()))
            .arg(dir.path())
            .status()
            .expect("cp runs");
        assert!(copied.success(), "copying {} failed", example.display());
        let manifest = dir.path().join("stack.yaml");
        let text = std::fs::read_to_string(&manifest).expect("the example has a stack.yaml");
        assert!(
            text.contains("\nname: finsight\n"),
            "the example names its project"
        );
        std::fs::write(
            &manifest,
            text.replace("\nname: finsight\n", &format!("\nname: {PROJECT}\n")),
        )
        .expect("write stack.yaml");
        // From nothing: the images of an earlier run go (their layers stay in the cache).
        let listed = std::process::Command::new("docker")
            .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .args(["--filter", &format!("reference=stack-{PROJECT}-*")])
            .output()
            .expect("docker images runs");
        for image in String::from_utf8_lossy(&listed.stdout).lines() {
            let removed = std::process::Command::new("docker")
                .args(["image", "rm", image])
                .output()
                .expect("docker image rm runs");
            assert!(removed.status.success(), "could not remove {image}");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Finsight { dir, port }
    }

    /// Runs `stack ARGS` with the CA bundle and the gateway port; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = stack(self.dir.path())
            .env("STACK_CA_CERT", CA_BUNDLE)
            .env("FINSIGHT_PORT", self.port.to_string())
            .args(args)
            .output()
            .expect("stack runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `stack up -d --progress plain`, asserting success; returns the progress lines.
    fn up(&self) -> String {
        let (code, stdout, stderr) = self.run(&["up", "-d", "--progress", "plain"]);
        assert_eq!(code, 0, "stack up failed:\n{stdout}\n{stderr}");
        stderr
    }

    /// One request through the gateway: (status, body).
    fn request(&self, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
        http(self.port, method, path, json)
    }
}

impl Drop for Finsight {
    fn drop(&mut self) {
        let _ = self.run(&["down", "--volumes"]);
    }
}

/// A minimal HTTP/1.0 client: enough to talk to nginx without another dependency.
fn http(port: u16, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the gateway accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a timeout");
    let body = json.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("send a request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("an HTTP response: {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head:?}"));
    (status, body.to_string())
}

/// The progress lines of one service.
fn lines_of<'a>(progress: &'a str, service: &str) -> Vec<&'a str> {
    let prefix = format!("{service} ");
    progress
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .collect()
}

const BUILT: [&str; 5] = ["api", "migrate", "predict", "ingest", "web"];
const ALL: [&str; 7] = ["api", "predict", "ingest", "web", "db", "cache", "gateway"];

#[test]
fn the_example_builds_comes_up_and_answers_through_the_gateway() {
    let finsight = Finsight::new();

    // From nothing: every image built from a generated Dockerfile, every service healthy,
    // the task completed.
    let cold = finsight.up();
    for service in BUILT {
        assert!(
            lines_of(&cold, service)
                .iter()
                .any(|l| l.contains("built in")),
            "{service} was not built:\n{cold}"
        );
    }
    for service in ALL {
        assert!(
            lines_of(&cold, service)
                .iter()
                .any(|l| l.contains("healthy in")),
            "{service} never reported healthy:\n{cold}"
        );
    }
    assert!(
        lines_of(&cold, "migrate")
            .iter()
            .any(|l| l.contains("completed")),
        "{cold}"
    );

    // The CA went into the build contexts only, never into the user's tree.
    let leaked = std::process::Command::new("find")
        .arg(finsight.dir.path())
        .args(["-name", "stack-ca.crt", "-o", "-name", "Dockerfile"])
        .output()
        .expect("find runs");
    assert_eq!(
        String::from_utf8_lossy(&leaked.stdout),
        "",
        "written into the tree"
    );

    // /api/: a record written to Postgres and read back.
    let (status, created) = finsight.request(
        "POST",
        "/api/records",
        Some(r#"{"symbol": "acme", "amount": "12.5"}"#),
    );
    assert_eq!(status, 201, "{created}");
    let id: serde_json::Value = serde_json::from_str(&created).expect("JSON from api");
    let id = id["id"].as_i64().expect("an id");
    let (status, read) = finsight.request("GET", &format!("/api/records/{id}"), None);
    assert_eq!(status, 200, "{read}");
    let read: serde_json::Value = serde_json::from_str(&read).expect("JSON from api");
    assert_eq!(read["symbol"], "ACME");
    assert_eq!(read["amount"], "12.5000", "numeric(18, 4) from Postgres");

    // /predict/: Holt's forecast of a straight line continues it: computed in C.
    let (status, predicted) = finsight.request("GET", "/predict/forecast?values=1,2,3,4", None);
    assert_eq!(status, 200, "{predicted}");
    let predicted: serde_json::Value = serde_json::from_str(&predicted).expect("JSON");
    assert_eq!(predicted["forecast"], 5.0);
    assert!(
        predicted["kernel"]
            .as_str()
            .is_some_and(|k| k.starts_with("forecast.cpython-313") && k.ends_with(".so")),
        "{predicted}"
    );
    // The compiler was only in the build stage.
    let (code, _, _) = finsight.run(&["exec", "predict", "sh", "-c", "command -v gcc"]);
    assert_ne!(code, 0, "gcc is in predict's final image");

    // /ingest/: an event lands in Redis.
    let token = format!("E2E{}", std::process::id());
    let (status, queued) = finsight.request(
        "POST",
        "/ingest/events",
        Some(&format!(r#"{{"symbol": "{token}", "price": 1.5}}"#)),
    );
    assert_eq!(status, 202, "{queued}");
    let (code, last, stderr) = finsight.run(&[
        "exec",
        "cache",
        "redis-cli",
        "LRANGE",
        "finsight:events",
        "-1",
        "-1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(last.contains(&token), "the event is not in Redis: {last}");

    // /: the page, made from what the other services say.
    let (status, page) = finsight.request("GET", "/", None);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>finsight</h1>"), "{page}");
    assert!(page.contains("events queued"), "{page}");
    assert!(!page.contains("unavailable"), "{page}");

    // Nothing changed: nothing is built or recreated.
    let warm = finsight.up();
    assert!(!warm.contains("building"), "{warm}");
    assert!(!warm.contains("recreated"), "{warm}");
    assert!(warm.contains("ready in"), "{warm}");

    // One Python file changed: only predict is rebuilt, its dependencies from the cache.
    let main = finsight.dir.path().join("predict/main.py");
    let mut source = std::fs::read_to_string(&main).expect("predict/main.py");
    source.push_str(&format!("\n# changed by the test {token}\n"));
    std::fs::write(&main, source).expect("write predict/main.py");
    let changed = finsight.up();
    let rebuilt: Vec<&str> = BUILT
        .into_iter()
        .filter(|s| lines_of(&changed, s).iter().any(|l| l.contains("built in")))
        .collect();
    assert_eq!(rebuilt, ["predict"], "{changed}");
    assert!(
        lines_of(&changed, "predict")
            .iter()
            .any(|l| l.contains("RUN pip install -r requirements.txt") && l.ends_with("(cached)")),
        "the dependency layer was not reused:\n{changed}"
    );
    assert!(
        lines_of(&changed, "predict")
            .iter()
            .any(|l| l.contains("RUN pip install --no-deps .") && !l.ends_with("(cached)")),
        "the project itself was not rebuilt:\n{changed}"
    );
    // The gateway finds the recreated service at its new address.
    let (status, health) = finsight.request("GET", "/predict/health", None);
    assert_eq!(status, 200, "{health}");

    let (code, _, stderr) = finsight.run(&["down", "--volumes"]);
    assert_eq!(code, 0, "{stderr}");
}
