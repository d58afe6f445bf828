//! Regression cases from fuzzing (tests/fuzz-corpus/): each must be rejected promptly, with
//! a position for every problem and a bounded report.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::common::{Output, Project};

/// Far beyond what any case takes: it bounds a hang, it does not time stack.
const HANG: Duration = Duration::from_secs(10);
/// The most a rejected manifest may print: one screen per kept problem, no more.
const OUTPUT_LIMIT: usize = 20_000;

#[test]
fn every_corpus_case_is_rejected_promptly_with_positions_and_bounded_output() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut entries: Vec<_> = std::fs::read_dir(&corpus)
        .expect("the corpus folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 20, "the corpus is there");
    let position = Regex::new(r"(?m)^ *--> [^ ]+:\d+:\d+$").expect("a valid pattern");
    for entry in entries {
        let name = entry
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let project = if entry.is_dir() {
            Project::copy_from(&entry, "fuzz")
        } else {
            let project = Project::new();
            std::fs::copy(&entry, project.path().join("stack.yaml")).expect("copy the case");
            project
        };
        let status = std::process::Command::new("mkfifo")
            .arg(project.path().join("fifo"))
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        let out = bounded_config(&project, &name);
        assert_eq!(out.code, 2, "{name}: manifest errors exit with 2");
        let total = out.stdout.len() + out.stderr.len();
        assert!(total < OUTPUT_LIMIT, "{name}: {total} bytes of output");
        let errors = out.stderr.matches("error: ").count();
        let positions = position.find_iter(&out.stderr).count();
        // The last `error:` line is the summary; every other one points into a file.
        assert_eq!(
            positions,
            errors - 1,
            "{name}: an error without a position:\n{}",
            out.stderr
        );
        insta::assert_snapshot!(format!("fuzz_corpus__{name}"), out.normalized());
    }
}

/// `stack config` in `project`, killed (and the test failed) if it hangs.
fn bounded_config(project: &Project, name: &str) -> Output {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stack"))
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .env_remove("STACK_FILE")
        .arg("config")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stack runs");
    let started = Instant::now();
    while child.try_wait().expect("waiting works").is_none() {
        if started.elapsed() > HANG {
            let _ = child.kill();
            panic!("{name}: stack config still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Output::ended(child.wait_with_output().expect("the output")).replace_path(project.path())
}
