//! Generated Dockerfiles for Python services: Flask with pip, FastAPI with uv, Django.

use crate::common::{detection_error, generated};

#[test]
fn flask_with_requirements_runs_gunicorn_on_the_pinned_python() {
    let (detection, dockerfile) = generated("python-flask", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("flask"));
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("3.11", ".python-version")
    );
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn fastapi_with_uv_installs_from_the_lockfile_and_adds_no_server_it_lists() {
    let (detection, dockerfile) = generated("python-fastapi-uv", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("fastapi"));
    assert_eq!(
        detection.version_source,
        "requires-python in pyproject.toml"
    );
    assert_eq!(
        detection.start[..2],
        ["uvicorn".to_string(), "app.main:app".to_string()]
    );
    assert!(
        !dockerfile.contains("uv pip install"),
        "uvicorn is a dependency already"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn django_runs_its_wsgi_module_and_gets_gunicorn_added() {
    let (detection, dockerfile) = generated("python-django", false, |_| {});
    assert_eq!(detection.framework.map(|f| f.name()), Some("django"));
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("3.12", "default")
    );
    assert_eq!(
        detection.start,
        [
            "gunicorn",
            "--bind",
            "0.0.0.0:8000",
            "mysite.wsgi:application"
        ]
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_plain_package_is_installed_and_its_script_run() {
    let (detection, dockerfile) = generated("python-plain", false, |_| {});
    assert_eq!(detection.framework, None);
    assert_eq!(detection.start, ["python", "main.py"]);
    assert!(dockerfile.contains("RUN pip install .\n"), "{dockerfile}");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_version_pin_build_packages_and_an_extra_ca_shape_the_build() {
    let (detection, dockerfile) = generated("python-flask", true, |service| {
        service.version = Some("3.10".to_string());
        service.build.build_packages = vec!["g++".to_string(), "make".to_string()];
        service.build.system_packages = vec!["libgomp1".to_string()];
    });
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("3.10", "stack.yaml")
    );
    let (build, runtime) = dockerfile
        .split_once("FROM python:3.10-slim-bookworm\n")
        .expect("two stages");
    assert!(
        build.contains("g++ make") && !runtime.contains("g++"),
        "compilers stay in the build stage"
    );
    assert!(runtime.contains("libgomp1"));
    assert_eq!(
        dockerfile.matches("COPY stack-ca.crt").count(),
        2,
        "both stages trust the CA"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn poetry_without_its_lockfile_says_how_to_make_one() {
    insta::assert_snapshot!(detection_error("python-poetry-unlocked"));
}
