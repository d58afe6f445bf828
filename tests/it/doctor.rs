//! `stack doctor` against the real Docker engine that `.ci/run` starts.

use predicates::prelude::predicate;

use crate::common::{Project, require_engine};

#[test]
fn doctor_reports_the_running_engine() {
    require_engine!();
    let project = Project::new();
    project.stack().arg("doctor").assert().success().stdout(
        predicate::str::is_match(
            r"engine +ok +Docker Engine \d+\.\d+\.\d+\S* \(API 1\.\d+, linux/\w+\) at unix://",
        )
        .expect("valid regex"),
    );
}

#[test]
fn doctor_says_what_to_do_when_no_engine_answers() {
    let project = Project::new();
    let missing = project.path().join("no-such.sock");
    project
        .stack()
        .arg("doctor")
        .env("DOCKER_HOST", format!("unix://{}", missing.display()))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "error: the Docker engine at unix://",
        ))
        .stderr(predicate::str::contains("(DOCKER_HOST) did not answer"))
        .stderr(predicate::str::contains(
            "hint: check that the engine is running",
        ));
}
