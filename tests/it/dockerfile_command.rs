//! `stack dockerfile` prints what stack would build; `stack eject` hands it to the user.

use predicates::str::contains;

use crate::common::Project;

fn flask_project() -> Project {
    let project = Project::new();
    project
        .file(
            "stack.yaml",
            "services:\n  api: { path: ./api, port: 5000 }\n  db: { image: postgres:16 }\n",
        )
        .file("api/requirements.txt", "flask==3.0.3\ngunicorn==23.0.0\n")
        .file(
            "api/app.py",
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/')\ndef index():\n    return 'ok'\n",
        );
    project
}

#[test]
fn dockerfile_prints_the_generated_file_and_eject_writes_it_once() {
    let project = flask_project();
    let printed = project
        .stack()
        .args(["dockerfile", "api"])
        .output()
        .expect("runs");
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let printed = String::from_utf8(printed.stdout).expect("utf-8");
    assert!(printed.contains("FROM python:"), "{printed}");
    assert!(printed.contains("gunicorn"), "{printed}");

    project
        .stack()
        .args(["eject", "api"])
        .assert()
        .success()
        .stderr(contains("wrote api/Dockerfile"));
    let written = std::fs::read_to_string(project.path().join("api/Dockerfile")).expect("written");
    assert_eq!(
        written, printed,
        "eject writes exactly what dockerfile prints"
    );
    assert!(project.path().join("api/.dockerignore").is_file());

    project
        .stack()
        .args(["eject", "api"])
        .assert()
        .code(2)
        .stderr(contains(
            "already has api/Dockerfile; eject does not overwrite it",
        ));

    // From now on the service's own Dockerfile is used unchanged.
    std::fs::write(project.path().join("api/Dockerfile"), "FROM scratch\n").expect("edit");
    project
        .stack()
        .args(["dockerfile", "api"])
        .assert()
        .success()
        .stdout("FROM scratch\n")
        .stderr(contains("has its own"));
}

#[test]
fn image_services_and_unknown_services_are_usage_errors() {
    let project = flask_project();
    // Exit code 2: `service `db` runs the image postgres:16`.
    insta::assert_snapshot!(
        "dockerfile_image_service",
        project.run(["dockerfile", "db"]).normalized()
    );
    // Exit code 2: no service `api2`; did you mean `api`?
    insta::assert_snapshot!(
        "dockerfile_unknown_service",
        project.run(["dockerfile", "api2"]).normalized()
    );
}
