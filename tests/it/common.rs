//! Shared helpers: fixture paths, temporary projects, running `stack` and reading what it
//! printed as one normalised snapshot, skipping what this machine cannot run.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{LazyLock, OnceLock, mpsc};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use regex::Regex;

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
        .env_remove("STACK_PROJECT_NAME")
        .env_remove("STACK_PROFILES")
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

    /// Runs `stack ARGS` here; the output knows this project's folder, to hide it.
    pub(crate) fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Output {
        Output::of(self.stack().args(args)).replace_path(self.path())
    }
}

/// Copies `tests/fixtures/<name>` to `to`, creating it.
pub(crate) fn copy_fixture(name: &str, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    copy_tree(&fixture(name), to);
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

/// What one run of `stack` did. `normalized()` is the whole of it as one text for a
/// snapshot: the exit code, stdout and stderr, with what changes from run to run replaced.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// What varies in this run only (its folder, its name, a port it picked) and its
    /// placeholder; replaced first, in order.
    filters: Vec<(Regex, String)>,
    /// Whether the `last log lines` of a failure are sorted (see `logs_unordered`).
    sort_logs: bool,
}

/// What varies between runs of any test, as a pattern and its placeholder; applied in this
/// order, after the run's own filters (the project's folder and name).
static FILTERS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Image tags are the first 12 hex digits of the context's hash.
        (r"\b(stack-\S+?):[0-9a-f]{12}\b", "$1:[HASH]"),
        // Container ids, long and short.
        (r"\b[0-9a-f]{64}\b", "[ID]"),
        (r"\b[0-9a-f]{12}\b", "[ID]"),
        // Ports the engine picks, where the host reaches a service. Linux hands out 5-digit
        // ports (32768 and up), so columns padded around them (`ps`) line up the same way
        // in every run. (`0.0.0.0:5000` is a port a service listens on: it stays.)
        (r"\b127\.0\.0\.1:\d+\b", "127.0.0.1:[PORT]"),
        // Durations stack measured: `0.7s`, `built in 40.8s`. Whole seconds (`within 3s`)
        // come from the manifest and stay.
        (r"\b\d+\.\d+s\b", "[TIME]"),
        // Uptimes, the last column of `ps`: `0s`, `1m 3s`.
        (
            r"(?m)(  )\d+(?:s|m|h|days?)(?: \d+(?:s|m|h|days?))*$",
            "$1[UPTIME]",
        ),
    ]
    .into_iter()
    .map(|(pattern, placeholder)| (Regex::new(pattern).expect("a valid filter"), placeholder))
    .collect()
});

impl Output {
    /// Runs `command` to the end.
    pub(crate) fn of(command: &mut Command) -> Output {
        Output::ended(command.output().expect("stack runs"))
    }

    /// The output of a process that has ended.
    pub(crate) fn ended(output: std::process::Output) -> Output {
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            filters: Vec::new(),
            sort_logs: false,
        }
    }

    /// Shows `text` (a port this test picked, a name) as `placeholder` in `normalized()`.
    pub(crate) fn replace(self, text: &str, placeholder: &str) -> Output {
        self.replace_pattern(&regex::escape(text), placeholder)
    }

    /// Shows what matches `pattern` as `placeholder` (`$1` for a group) in `normalized()`.
    pub(crate) fn replace_pattern(mut self, pattern: &str, placeholder: &str) -> Output {
        let pattern = Regex::new(pattern).expect("a valid pattern");
        self.filters.push((pattern, placeholder.to_string()));
        self
    }

    /// Shows a project's folder as `[TEMP]`, also as the kernel spells it (no links).
    pub(crate) fn replace_path(self, path: &Path) -> Output {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let output = self.replace(&path.display().to_string(), "[TEMP]");
        if canonical == path {
            output
        } else {
            output.replace(&canonical.display().to_string(), "[TEMP]")
        }
    }

    /// Sorts the lines under `last log lines:`. A container's stdout and stderr reach the
    /// engine through two pipes, and it does not keep their order across them.
    pub(crate) fn logs_unordered(mut self) -> Output {
        self.sort_logs = true;
        self
    }

    /// `exit code: N`, then stdout and stderr, with the run's filters and `FILTERS` applied.
    /// The `waiting for` lines of `up` are sorted (see `sort_waiting`).
    pub(crate) fn normalized(&self) -> String {
        let mut stderr = self.filtered(&self.stderr);
        stderr = sort_waiting(&stderr);
        if self.sort_logs {
            stderr = sort_failure_logs(&stderr);
        }
        let mut out = format!("exit code: {}\n--- stdout ---\n", self.code);
        for (text, next) in [
            (self.filtered(&self.stdout), "--- stderr ---\n"),
            (stderr, ""),
        ] {
            let text = text.trim_end();
            if !text.is_empty() {
                out.push_str(text);
                out.push('\n');
            }
            out.push_str(next);
        }
        out
    }

    fn filtered(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (pattern, placeholder) in &self.filters {
            text = pattern
                .replace_all(&text, placeholder.as_str())
                .into_owned();
        }
        for (pattern, placeholder) in FILTERS.iter() {
            text = pattern.replace_all(&text, *placeholder).into_owned();
        }
        text
    }

    /// Asserts a zero exit code; returns self for more checks.
    pub(crate) fn success(self) -> Output {
        assert_eq!(self.code, 0, "stack failed:\n{}", self.normalized());
        self
    }
}

/// `up` starts one task per service, and every service with dependencies says what it
/// waits for as soon as its task runs: those lines come in whatever order the runtime
/// schedules the tasks. They are put in name order, as one block before the first other
/// line about a service (after the network and volume lines, which come before any task).
fn sort_waiting(stderr: &str) -> String {
    let is_waiting = |line: &&str| {
        line.split_once("  ")
            .is_some_and(|(_, rest)| rest.trim_start().starts_with("waiting for "))
    };
    let mut waiting: Vec<&str> = stderr.lines().filter(is_waiting).collect();
    if waiting.is_empty() {
        return stderr.to_string();
    }
    waiting.sort_unstable();
    let mut out = Vec::new();
    for line in stderr.lines().filter(|line| !is_waiting(line)) {
        let project_level =
            line.starts_with("network ") || line.starts_with("volume ") || line.starts_with("ci: ");
        if !project_level && !waiting.is_empty() {
            out.append(&mut waiting);
        }
        out.push(line);
    }
    out.append(&mut waiting);
    out.join("\n") + "\n"
}

/// The lines of each `last log lines:` block, sorted.
fn sort_failure_logs(stderr: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut in_logs = false;
    for line in stderr.lines() {
        if in_logs && line.starts_with("    | ") {
            block.push(line);
            continue;
        }
        block.sort_unstable();
        out.append(&mut block);
        in_logs = line == "  last log lines:";
        out.push(line);
    }
    block.sort_unstable();
    out.append(&mut block);
    out.join("\n") + "\n"
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

/// `docker ARGS`, asserting it succeeded (an empty answer from a failed command would pass
/// any check for "nothing there"); stdout trimmed.
pub(crate) fn docker(args: &[&str]) -> String {
    let output = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI runs");
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A unique project name, `it-<tag>-<pid>-<n>`: tests of two runs on one engine never
/// share a container, network, volume or image.
pub(crate) fn unique_name(tag: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("it-{tag}-{}-{n}", std::process::id())
}

/// `stack ARGS` on a pseudo-terminal from util-linux's `script`, as a person at a
/// terminal runs it: keys typed in, the screen read back.
pub(crate) struct Terminal {
    pub(crate) child: std::process::Child,
    input: Box<dyn Write + Send>,
    output: std::sync::mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Terminal {
    /// Starts `stack ARGS` (split on spaces by the shell) in `dir`.
    pub(crate) fn start(dir: &Path, args: &str) -> Terminal {
        Terminal::shell(dir, &format!("\"$STACK\" {args}"))
    }

    /// Runs the shell command `line` in `dir` on the terminal; `$STACK` is stack.
    pub(crate) fn shell(dir: &Path, line: &str) -> Terminal {
        use std::process::Stdio;
        let mut child = std::process::Command::new("script")
            .args([
                "--quiet",
                "--flush",
                "--return",
                "--command",
                line,
                "/dev/null",
            ])
            .env("STACK", assert_cmd::cargo::cargo_bin("stack"))
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env_remove("STACK_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("util-linux's script runs (Debian: bsdutils)");
        let input = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        Terminal::over(child, Box::new(input), stdout)
    }

    /// The terminal of `child`, typed into through `input`, its screen read from `screen`.
    pub(crate) fn over(
        child: std::process::Child,
        input: Box<dyn Write + Send>,
        mut screen: impl std::io::Read + Send + 'static,
    ) -> Terminal {
        let (send, output) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = screen.read(&mut buffer) {
                if n == 0 || send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            input,
            output,
            seen: String::new(),
        }
    }

    /// Waits until the screen shows `text` after what the last wait found.
    pub(crate) fn expect(&mut self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!("no `{text}` on the terminal; it showed:\n{}", self.seen),
            }
        }
        let end = self.seen.find(text).expect("seen") + text.len();
        self.seen = self.seen.split_off(end);
    }

    /// Types `keys`.
    pub(crate) fn type_keys(&mut self, keys: &str) {
        self.input
            .write_all(keys.as_bytes())
            .expect("keys reach the terminal");
        self.input.flush().expect("keys are sent");
    }

    /// Waits until the screen shows `text`, then types `keys`.
    pub(crate) fn answer(&mut self, text: &str, keys: &str) {
        self.expect(text);
        self.type_keys(keys);
    }

    /// The exit code once stack has ended (within 30 s), and the rest of the screen.
    pub(crate) fn finish(mut self) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            while let Ok(bytes) = self.output.try_recv() {
                self.seen.push_str(&String::from_utf8_lossy(&bytes));
            }
            if let Some(status) = self.child.try_wait().expect("script runs") {
                while let Ok(bytes) = self
                    .output
                    .recv_timeout(std::time::Duration::from_millis(200))
                {
                    self.seen.push_str(&String::from_utf8_lossy(&bytes));
                }
                return (status.code(), self.seen);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "stack did not end; the terminal showed:\n{}",
                self.seen
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// A project with a unique name whose containers, network, volumes and images are removed
/// when it goes out of scope, pass or fail.
pub(crate) struct LiveProject {
    pub(crate) project: Project,
    pub(crate) name: String,
    /// Environment every `stack` run gets (the manifest may interpolate it).
    pub(crate) env: Vec<(String, String)>,
}

impl LiveProject {
    /// `manifest` is written with `name: <unique>` prepended.
    pub(crate) fn new(tag: &str, manifest: &str) -> LiveProject {
        let name = unique_name(tag);
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

    /// Runs `stack ARGS`; the output shows the project's folder as `[TEMP]` and its name
    /// as `[PROJECT]`.
    pub(crate) fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Output {
        // The folder first: in an adopted project the name is part of it.
        Output::of(self.stack().args(args))
            .replace_path(self.project.path())
            .replace(&self.name, "[PROJECT]")
    }

    /// `stack up -d --progress plain`, asserting success.
    pub(crate) fn up(&self) -> Output {
        self.run(["up", "-d", "--progress", "plain"]).success()
    }

    /// `service state` of each of this project's containers, sorted; a one-off container
    /// of `stack run` says `service (run) state`.
    pub(crate) fn states(&self) -> Vec<String> {
        let filter = format!("label=dev.stack.project={}", self.name);
        let format = "{{.Label \"dev.stack.service\"}}{{if .Label \"dev.stack.oneoff\"}} (run){{end}} {{.State}}";
        let mut lines: Vec<String> = docker(&["ps", "-a", "--filter", &filter, "--format", format])
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    }

    /// Container IDs of this project, by label.
    pub(crate) fn container_ids(&self) -> Vec<String> {
        let filter = format!("label=dev.stack.project={}", self.name);
        docker(&["ps", "-aq", "--no-trunc", "--filter", &filter])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for LiveProject {
    fn drop(&mut self) {
        let _ = self.stack().args(["down", "--volumes"]).output();
        // The images stack built for this project, by label; their untagged parent layers
        // stay (`--no-prune`): they are the build cache the next run starts from.
        let filter = format!("label=dev.stack.project={}", self.name);
        let listed = std::process::Command::new("docker")
            .args([
                "images",
                "--format",
                "{{.Repository}}:{{.Tag}}",
                "--filter",
                &filter,
            ])
            .output();
        let Ok(listed) = listed else { return };
        let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
        let images: Vec<&str> = listed
            .split_whitespace()
            .filter(|image| !image.contains("<none>"))
            .collect();
        if !images.is_empty() {
            let _ = std::process::Command::new("docker")
                .args(["image", "rm", "--no-prune"])
                .args(&images)
                .output();
        }
    }
}

/// A `stack` run in the background whose output the test reads as it comes.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// Starts `stack ARGS` in the project, with `env` added.
    pub(crate) fn start(live: &LiveProject, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stack"))
            .args(args)
            .current_dir(live.project.path())
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("stack starts");
        let (tx, lines) = mpsc::channel::<String>();
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("piped")),
            Box::new(child.stderr.take().expect("piped")),
        ];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads until a line contains `needle`; fails the test after `within`.
    pub(crate) fn wait_for(&mut self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.seen.iter().any(|l| l.contains(needle)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no `{needle}` in:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Reads until `count` lines contain `needle` in all; fails the test after `within`.
    pub(crate) fn wait_for_count(&mut self, needle: &str, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.count(needle) < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no `{needle}` x{count} in:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// How many lines read so far contain `needle`.
    pub(crate) fn count(&self, needle: &str) -> usize {
        self.seen.iter().filter(|l| l.contains(needle)).count()
    }

    /// Everything read so far.
    pub(crate) fn seen(&self) -> String {
        self.seen.join("\n")
    }

    /// Sends the process a signal (`INT`, `TERM`).
    pub(crate) fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the end (at most two minutes): the exit code and everything printed.
    pub(crate) fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                break status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "stack did not end:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader threads end with the pipes.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (code, self.seen.join("\n"))
    }
}

impl Drop for Running {
    /// A test that fails midway leaves no `stack` behind (it could hold the project's
    /// lock, and the project's `down` would wait for it).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
