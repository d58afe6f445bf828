//! Shared helpers: fixture paths, temporary projects, running `stack`, and skipping what
//! this machine cannot run.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;

/// `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `stack` with a clean environment: no colour, no engine or manifest settings leaking in.
pub(crate) fn stack(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("stack").expect("the stack binary is built for tests");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("STACK_FILE")
        .env_remove("STACK_CA_CERT");
    cmd
}

/// At the start of a test that drives Docker: returns from the test, saying so on stderr,
/// when no engine answers. In CI, or with `STACK_TEST_ENGINE=1` (scripts/test sets it), a
/// missing engine fails the test instead: there nothing may be skipped.
macro_rules! require_engine {
    () => {
        if $crate::common::engine_missing() {
            return;
        }
    };
}
pub(crate) use require_engine;

/// Whether no Docker engine answers (asked once per run), after saying the current test
/// is skipped; see `require_engine!`.
pub(crate) fn engine_missing() -> bool {
    static ANSWERS: OnceLock<bool> = OnceLock::new();
    let answers = *ANSWERS.get_or_init(|| {
        std::process::Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .is_ok_and(|output| output.status.success())
    });
    !answers
        && skip(
            "no Docker engine (scripts/test starts one)",
            "STACK_TEST_ENGINE",
        )
}

/// Says on stderr that the current test is skipped and why, and returns true; panics
/// instead where every test must run: in CI, or when `strict` is set to 1.
pub(crate) fn skip(reason: &str, strict: &str) -> bool {
    // libtest names each test's thread after the test.
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    assert!(
        std::env::var_os("CI").is_none() && std::env::var(strict).as_deref() != Ok("1"),
        "{test}: {reason}; with CI or {strict}=1 set, nothing is skipped"
    );
    // Straight to the process's stderr, in one write: libtest hides what `eprintln!`
    // prints in a test that passes, and a skip must be seen.
    let line = format!("skipped: {test}: {reason}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    true
}

/// A temporary project: write files into it, then run `stack` there.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// A project holding a copy of `tests/fixtures/<name>`, in a folder whose name starts
    /// with `prefix` (the project name stack derives from it).
    pub(crate) fn copy_of(name: &str, prefix: &str) -> Project {
        Project::copy_from(&fixture(name), prefix)
    }

    /// A project holding a copy of the tree at `from`, in a folder starting with `prefix`.
    pub(crate) fn copy_from(from: &Path, prefix: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("a temporary directory");
        copy_tree(from, dir.path());
        Project { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative`, creating parent directories.
    pub(crate) fn file(&self, relative: &str, text: &str) -> &Project {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write a project file");
        self
    }

    pub(crate) fn stack(&self) -> Command {
        stack(self.dir.path())
    }
}

/// Copies the tree at `from` into `to`, which exists.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read a fixture folder") {
        let entry = entry.expect("a fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            std::fs::create_dir(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// The local test image every end-to-end stack runs (see scripts/fixture-images).
pub(crate) const BUSYBOX: &str = "stack-fixture/busybox:1";

/// This machine's CA bundle: builds reach PyPI, npm and crates.io only when they trust it.
pub(crate) const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// One HTTP/1.0 request to `address` (`127.0.0.1:8080`) with an optional JSON body:
/// (status, body). HTTP/1.0 so the server closes and no client dependency is needed.
pub(crate) fn http(address: &str, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(address).expect("the service accepts");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("set a timeout");
    let body = json.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
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

/// A project with a unique name whose containers, network and volumes are removed when it
/// goes out of scope, pass or fail.
pub(crate) struct LiveProject {
    pub(crate) project: Project,
    pub(crate) name: String,
    /// Environment every `stack` run gets (the manifest may interpolate it).
    pub(crate) env: Vec<(String, String)>,
}

impl LiveProject {
    /// `manifest` is written with `name: <unique>` prepended.
    pub(crate) fn new(tag: &str, manifest: &str) -> LiveProject {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("it-{tag}-{}-{n}", std::process::id());
        let project = Project::new();
        project.file("stack.yaml", &format!("name: {name}\n{manifest}"));
        LiveProject {
            project,
            name,
            env: Vec::new(),
        }
    }

    /// A project whose manifest is already in place; its name is the one stack derives
    /// from the folder (no `name:` in the manifest).
    pub(crate) fn adopt(project: Project) -> LiveProject {
        let name = project
            .path()
            .file_name()
            .expect("a temporary folder has a name")
            .to_string_lossy()
            .to_lowercase();
        LiveProject {
            project,
            name,
            env: Vec::new(),
        }
    }

    pub(crate) fn stack(&self) -> Command {
        let mut cmd = self.project.stack();
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs `stack ARGS`, returning (exit code, stdout, stderr).
    pub(crate) fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.stack().args(args).output().expect("stack runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `stack up -d --progress plain`, asserting success; returns stderr.
    pub(crate) fn up(&self) -> String {
        let (code, stdout, stderr) = self.run(&["up", "-d", "--progress", "plain"]);
        assert_eq!(code, 0, "stack up failed:\n{stdout}\n{stderr}");
        stderr
    }

    /// `docker` with the given arguments, stdout trimmed.
    pub(crate) fn docker(args: &[&str]) -> String {
        let output = std::process::Command::new("docker")
            .args(args)
            .output()
            .expect("the docker CLI runs");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Container IDs of this project, by label.
    pub(crate) fn container_ids(&self) -> Vec<String> {
        let filter = format!("label=dev.stack.project={}", self.name);
        LiveProject::docker(&["ps", "-aq", "--no-trunc", "--filter", &filter])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for LiveProject {
    fn drop(&mut self) {
        let _ = self.stack().args(["down", "--volumes"]).output();
    }
}
