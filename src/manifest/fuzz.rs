//! Property tests over manifest text: whatever the bytes, loading never panics, never hangs,
//! keeps its report bounded and gives every problem a position.
//!
//! Inputs are manifests built from stack's and Compose's keys with hostile values (huge
//! numbers, nested `${…}`, FIFOs, devices, invalid UTF-8), then byte-level mutations of
//! those and of the regression corpus in tests/fuzz-corpus/. `cargo test` runs a small,
//! fixed budget; the long run is by hand (CONTRIBUTING.md):
//! `STACK_FUZZ_CASES=1000000 cargo test --release --lib fuzz -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::error::Error;
use crate::manifest::load::load_bytes;
use crate::ui::report::render_error;

/// A case slower than this is a hang.
const HANG: Duration = Duration::from_secs(5);
/// The most a rejected manifest may print.
const REPORT_LIMIT: usize = 20_000;

const KEYS: &[&str] = &[
    "name",
    "services",
    "gateway",
    "ca_certificates",
    "path",
    "image",
    "port",
    "host_port",
    "host_ip",
    "env",
    "env_file",
    "depends_on",
    "health",
    "task",
    "command",
    "version",
    "language",
    "framework",
    "build",
    "volumes",
    "http",
    "tcp",
    "cmd",
    "grpc",
    "postgres",
    "redis",
    "amqp",
    "mysql",
    "kafka",
    "timeout",
    "interval",
    "build_packages",
    "system_packages",
    "args",
    "debian",
    "routes",
    "profiles",
    "ports",
    "environment",
    "healthcheck",
    "container_name",
    "api",
    "web",
    "db",
    "x",
    "<<",
];

const SCALARS: &[&str] = &[
    "1e20",
    "1e19",
    "-1",
    "0",
    "65536",
    "80",
    "8080",
    "1e999",
    ".nan",
    "-.inf",
    "0x1F",
    "3.10",
    "true",
    "false",
    "yes",
    "~",
    "null",
    "''",
    "\"\"",
    "90s",
    "500ms",
    "100000y",
    "18446744073709551616s",
    "${A:-${B:-x}}",
    "${",
    "$$",
    "${A:?need it}",
    "${1X}",
    "$A",
    "/dev/zero",
    "/dev/urandom",
    "fifo",
    ".",
    "..",
    "../x",
    "/",
    "api",
    "web",
    "./api",
    "./web",
    "ok.env",
    "stack-fixture/busybox:1",
    "postgres:16",
    "a b",
    "\"a\\tb\"",
    "é",
    "\u{202e}x",
    "*a",
    "&a x",
    "!!binary aGk=",
    "!!str 1",
    "- x",
    "[a, b]",
    "{a: b}",
    "[",
    "{",
    ":",
    "#",
    "\"unterminated",
    "'it''s'",
    "pgdata:/data",
    "./web:/w:ro",
    "x:y:z:w",
    "sh -c 'exit 3'",
    "a && b",
    "GET /",
    "/healthz",
    "/api/",
    "bookworm",
    "python",
    "flask",
    "8080:80",
    "KEY=value",
    "=x",
    "KEY",
];

/// A scalar: a hostile or ordinary value, or random printable text.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(SCALARS).prop_map(str::to_string),
        2 => "[a-z0-9_./:-]{0,12}",
        1 => "\\PC{0,16}",
        1 => (1usize..200).prop_map(|n| "${A:-".repeat(n)),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-z_]{1,8}",
    ]
}

/// A YAML node as text, nested up to `depth` levels.
fn node(depth: u32) -> BoxedStrategy<Node> {
    let leaf = scalar().prop_map(Node::Scalar).boxed();
    if depth == 0 {
        return leaf;
    }
    prop_oneof![
        3 => leaf,
        1 => proptest::collection::vec(node(depth - 1), 0..4).prop_map(Node::List),
        2 => proptest::collection::vec((key(), node(depth - 1)), 0..5).prop_map(Node::Map),
    ]
    .boxed()
}

#[derive(Clone, Debug)]
enum Node {
    Scalar(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Block style, or flow style (`{a: b}`) when `flow`.
    fn render(&self, indent: usize, flow: bool, out: &mut String) {
        match self {
            Node::Scalar(text) => out.push_str(text),
            Node::List(items) if flow || items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.render(indent, true, out);
                }
                out.push(']');
            }
            Node::Map(entries) if flow || entries.is_empty() => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(key);
                    out.push_str(": ");
                    value.render(indent, true, out);
                }
                out.push('}');
            }
            Node::List(items) => {
                for item in items {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    out.push_str("- ");
                    item.render(indent + 2, false, out);
                }
            }
            Node::Map(entries) => {
                for (key, value) in entries {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    out.push_str(key);
                    out.push(':');
                    if matches!(value, Node::Scalar(_)) {
                        out.push(' ');
                    }
                    value.render(indent + 2, false, out);
                }
            }
        }
    }
}

/// A manifest shaped like a real one: services with stack's (and Compose's) keys.
fn manifest() -> impl Strategy<Value = Vec<u8>> {
    let service = proptest::collection::vec((key(), node(2)), 0..8).prop_map(Node::Map);
    let services = proptest::collection::vec(("[a-z][a-z0-9-]{0,6}|api|web|db", service), 0..5)
        .prop_map(Node::Map);
    (
        services,
        proptest::option::of(node(2)),
        proptest::option::of(scalar()),
        any::<bool>(),
    )
        .prop_map(|(services, gateway, name, flow)| {
            let mut root = Vec::new();
            if let Some(name) = name {
                root.push(("name".to_string(), Node::Scalar(name)));
            }
            root.push(("services".to_string(), services));
            if let Some(gateway) = gateway {
                root.push(("gateway".to_string(), gateway));
            }
            let mut out = String::new();
            Node::Map(root).render(0, flow, &mut out);
            out.into_bytes()
        })
}

/// A manifest that is mostly valid, so inputs reach validation's far end (references,
/// cycles, the gateway) and not only the first error.
fn plausible() -> impl Strategy<Value = Vec<u8>> {
    const NAMES: &[&str] = &["api", "web", "db", "worker"];
    let names = NAMES;
    let service = (
        proptest::sample::select(
            &[
                "image: stack-fixture/busybox:1",
                "path: ./api",
                "path: ./web",
                "image: postgres:16",
            ][..],
        ),
        proptest::option::of(proptest::sample::select(
            &["80", "8000", "65535", "0", "${PORT:-80}"][..],
        )),
        proptest::option::of(proptest::sample::select(
            &[
                "{ http: /healthz }",
                "{ tcp: true, timeout: 30s }",
                "{ cmd: \"true\", interval: 1e19 }",
                "{ cmd: [sh, -c, 'exit 0'] }",
            ][..],
        )),
        proptest::collection::vec(proptest::sample::select(NAMES), 0..3),
        proptest::option::of(proptest::sample::select(
            &[
                "{ A: 1, B: \"${A}\" }",
                "[A=1, B]",
                "ok.env",
                "[ok.env, fifo]",
            ][..],
        )),
        any::<bool>(),
    );
    (proptest::collection::vec(service, 1..4), any::<bool>()).prop_map(
        move |(services, gateway)| {
            let mut out = String::from("services:\n");
            for (i, (source, port, health, depends_on, env, task)) in services.iter().enumerate() {
                out.push_str(&format!("  {}:\n    {source}\n", names[i]));
                if let Some(port) = port {
                    out.push_str(&format!("    port: {port}\n"));
                }
                if let Some(health) = health {
                    out.push_str(&format!("    health: {health}\n"));
                }
                if !depends_on.is_empty() {
                    out.push_str(&format!("    depends_on: [{}]\n", depends_on.join(", ")));
                }
                match env {
                    Some(env) if env.contains("env") => {
                        out.push_str(&format!("    env_file: {env}\n"))
                    }
                    Some(env) => out.push_str(&format!("    env: {env}\n")),
                    None => {}
                }
                if *task {
                    out.push_str("    task: true\n");
                }
            }
            if gateway {
                out.push_str("gateway: { port: 8080, routes: { /: api, /web/: web } }\n");
            }
            out.into_bytes()
        },
    )
}

/// One byte-level edit.
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Token(usize, &'static str),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        (any::<usize>(), proptest::sample::select(SCALARS)).prop_map(|(at, t)| Edit::Token(at, t)),
    ];
    proptest::collection::vec(edit, 1..6)
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        let at = |n: usize| if len == 0 { 0 } else { n % (len + 1) };
        match *edit {
            Edit::Insert(n, byte) => bytes.insert(at(n), byte),
            Edit::Delete(n, count) => {
                let start = at(n);
                bytes.drain(start..(start + count).min(len));
            }
            Edit::Duplicate(n, count) => {
                let start = at(n);
                let copy = bytes[start..(start + count).min(len)].to_vec();
                bytes.splice(start..start, copy);
            }
            Edit::Token(n, token) => {
                let start = at(n);
                bytes.splice(start..start, token.bytes());
            }
        }
    }
    bytes
}

/// The small corpus cases, as seeds for mutation.
fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .map(|path| {
                    if path.is_dir() {
                        path.join("stack.yaml")
                    } else {
                        path
                    }
                })
                .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
                .filter_map(|path| std::fs::read(path).ok())
                .filter(|bytes| bytes.len() < 4096)
                .collect()
        })
        .unwrap_or_default();
    seeds.sort();
    seeds
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus();
    let seeded =
        (proptest::sample::select(seeds), edits()).prop_map(|(seed, edits)| mutate(seed, &edits));
    prop_oneof![
        3 => plausible(),
        1 => (plausible(), edits()).prop_map(|(text, edits)| mutate(text, &edits)),
        3 => manifest(),
        2 => (manifest(), edits()).prop_map(|(text, edits)| mutate(text, &edits)),
        2 => seeded,
    ]
}

/// A project folder with what manifests name: service folders, env files, a FIFO.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in [
        ("api/app.py", "print('hi')\n"),
        ("web/server.js", "\n"),
        ("ok.env", "A=1\nB=two\n"),
        (".env", "TAG=1\nEMPTY=\n"),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    #[cfg(unix)]
    {
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join("fifo"))
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
    }
    dir
}

/// Loads `bytes` and checks what the user would see.
fn check(
    bytes: Vec<u8>,
    root: &Path,
    env: &BTreeMap<String, String>,
    accepted: &AtomicU32,
) -> Result<(), TestCaseError> {
    let shown = PathBuf::from("stack.yaml");
    let started = Instant::now();
    let loaded = load_bytes(bytes, root, &shown, env);
    if loaded.is_ok() {
        accepted.fetch_add(1, Ordering::Relaxed);
    }
    if let Err(error) = loaded {
        prop_assert!(!error.diagnostics.is_empty(), "an error with no diagnostic");
        for diagnostic in &error.diagnostics {
            prop_assert!(
                diagnostic.line >= 1 && diagnostic.column >= 1,
                "no position: {diagnostic:?}"
            );
        }
        let report = render_error(&Error::Manifest(error), false);
        prop_assert!(
            report.len() < REPORT_LIMIT,
            "{} bytes of report",
            report.len()
        );
    }
    prop_assert!(started.elapsed() < HANG, "took {:?}", started.elapsed());
    Ok(())
}

/// Runs `cases` inputs; a watchdog aborts with the input if one hangs past `HANG`. Returns
/// how many manifests were valid, and the time taken.
fn run(cases: u32) -> (u32, Duration) {
    let accepted = AtomicU32::new(0);
    let root = project();
    let root_path = root.path().canonicalize().expect("canonical");
    let env = BTreeMap::from([("A".to_string(), "a".to_string())]);
    let current: Arc<Mutex<(Instant, Vec<u8>)>> =
        Arc::new(Mutex::new((Instant::now(), Vec::new())));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let current = Arc::clone(&current);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let guard = current.lock().expect("not poisoned");
                if guard.0.elapsed() > HANG {
                    let saved = std::env::temp_dir().join("stack-fuzz-hang.yaml");
                    let _ = std::fs::write(&saved, &guard.1);
                    panic!(
                        "a case hangs past {HANG:?}; input saved to {}",
                        saved.display()
                    );
                }
            }
        })
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let started = Instant::now();
    let result = runner.run(&input(), |bytes| {
        *current.lock().expect("not poisoned") = (Instant::now(), bytes.clone());
        check(bytes, &root_path, &env, &accepted)
    });
    done.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    watchdog.join().expect("no case hung");
    if let Err(failure) = result {
        panic!("{failure}");
    }
    (accepted.load(Ordering::Relaxed), elapsed)
}

#[test]
fn fuzz_manifests_within_a_small_budget() {
    let (accepted, _) = run(1000);
    // The inputs reach validation's far end too, not only the parser's errors.
    assert!(accepted > 0, "no generated manifest was valid");
}

#[test]
#[ignore = "the long run, by hand: STACK_FUZZ_CASES=1000000 cargo test --release --lib fuzz -- --ignored --nocapture"]
fn fuzz_manifests_long() {
    let cases = std::env::var("STACK_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let (accepted, elapsed) = run(cases);
    #[expect(clippy::print_stderr, reason = "the long run reports its figures")]
    {
        eprintln!(
            "fuzz: {cases} cases ({accepted} valid manifests) in {elapsed:.1?}: no panic, no case over {HANG:?}"
        );
    }
}
