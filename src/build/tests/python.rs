//! Generated Dockerfiles for Python services: Flask with pip, FastAPI with uv, Django with
//! pip and with poetry, a plain package, and what detection says when it cannot tell.

use crate::build::dockerfile::{RenderOptions, render};
use crate::detect::detection::{Detection, detect};

use super::{Project, detection_error, generated, service_at};

/// (version, where it came from).
fn version(detection: &Detection) -> (&str, &str) {
    (
        detection.version.as_str(),
        detection.version_source.as_str(),
    )
}

fn framework(detection: &Detection) -> Option<&'static str> {
    detection.framework.map(|f| f.name())
}

/// Detection and Dockerfile for a temporary project.
fn generated_in(project: &Project) -> (Detection, String) {
    let service = service_at("app", project.path());
    let detection = detect(&service).unwrap_or_else(|e| panic!("{e} ({:?})", e.hint()));
    let rendered = render(&service, &detection, &RenderOptions::default());
    (detection, rendered.dockerfile)
}

#[test]
fn flask_with_requirements_runs_gunicorn_on_the_pinned_python() {
    let (detection, dockerfile) = generated("python-flask", false, |_| {});
    assert_eq!(framework(&detection), Some("flask"));
    assert_eq!(version(&detection), ("3.11", ".python-version"));
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
    );
    assert_eq!(detection.default_port, Some(5000));
    assert!(
        !dockerfile.contains("gunicorn=="),
        "gunicorn is in requirements.txt already"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn fastapi_with_uv_installs_from_the_lockfile_and_adds_no_server_it_lists() {
    let (detection, dockerfile) = generated("python-fastapi-uv", false, |_| {});
    assert_eq!(framework(&detection), Some("fastapi"));
    assert_eq!(
        version(&detection),
        ("3.11", "requires-python in pyproject.toml")
    );
    assert_eq!(
        detection.start,
        [
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
    assert!(
        !dockerfile.contains("uv pip install"),
        "uvicorn is a dependency already"
    );
    assert!(
        !dockerfile.contains("COPY --from=ghcr.io"),
        "no image pulls"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn django_runs_its_wsgi_module_and_gets_gunicorn_added() {
    let (detection, dockerfile) = generated("python-django", false, |_| {});
    assert_eq!(framework(&detection), Some("django"));
    assert_eq!(version(&detection), ("3.12", "default"));
    assert_eq!(
        detection.start,
        [
            "gunicorn",
            "--bind",
            "0.0.0.0:8000",
            "mysite.wsgi:application"
        ]
    );
    assert!(
        dockerfile.contains("# The start command needs gunicorn==23.0.0"),
        "the added server is explained"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn django_with_poetry_installs_the_exported_lockfile_with_pip() {
    let (detection, dockerfile) = generated("python-django-poetry", false, |_| {});
    assert_eq!(framework(&detection), Some("django"));
    assert_eq!(
        version(&detection),
        ("3.12", "tool.poetry.dependencies.python in pyproject.toml")
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
    assert!(
        !dockerfile.contains("pip install --no-deps .\n"),
        "package-mode = false: the project itself is not installed"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_plain_package_is_installed_and_its_script_run() {
    let (detection, dockerfile) = generated("python-plain", false, |_| {});
    assert_eq!(detection.framework, None);
    assert_eq!(
        version(&detection),
        ("3.12", "requires-python in pyproject.toml")
    );
    assert_eq!(detection.start, ["python", "main.py"]);
    assert_eq!(detection.default_port, None, "a worker listens on nothing");
    assert!(dockerfile.contains("RUN pip install .\n"), "{dockerfile}");
    assert!(!dockerfile.contains("EXPOSE"), "{dockerfile}");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_version_pin_packages_args_and_an_extra_ca_shape_the_build() {
    let (detection, dockerfile) = generated("python-flask", true, |service| {
        service.version = Some("3.10".to_string());
        service.port = Some(8080);
        service.build.build_packages = vec!["g++".to_string(), "make".to_string()];
        service.build.system_packages = vec!["libgomp1".to_string()];
        service
            .build
            .args
            .insert("APP_RELEASE".to_string(), "2024.12".to_string());
    });
    assert_eq!(version(&detection), ("3.10", "stack.yaml"));
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"]
    );
    let (build, runtime) = dockerfile
        .split_once("FROM python:3.10-slim-bookworm\n")
        .expect("two stages");
    assert!(
        build.contains("g++ make") && !runtime.contains("g++"),
        "compilers stay in the build stage"
    );
    assert!(runtime.contains("libgomp1"));
    assert!(build.contains("ARG APP_RELEASE="));
    assert_eq!(
        dockerfile.matches("COPY stack-ca.crt").count(),
        2,
        "both stages trust the CA"
    );
    assert!(runtime.contains("EXPOSE 8080"));
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn poetry_without_its_lockfile_says_how_to_make_one() {
    insta::assert_snapshot!(detection_error("python-poetry-unlocked"));
}

#[test]
fn a_directory_that_matches_no_language_lists_what_was_looked_for() {
    let project = Project::new();
    project.file("README.md", "# notes\n");
    let service = service_at("notes", project.path());
    let error = detect(&service).expect_err("nothing to detect");
    let message = format!(
        "{error}\nhint: {}",
        error.hint().expect("a hint says what to do")
    )
    .replace(&project.path().display().to_string(), "<dir>");
    insta::assert_snapshot!(message);
}

#[test]
fn an_app_under_src_is_imported_from_there() {
    let project = Project::new();
    project
        .file("requirements.txt", "fastapi==0.115.6\nuvicorn==0.32.1\n")
        .file(
            "src/quotes/main.py",
            "import fastapi\n\napi = fastapi.FastAPI()\n",
        );
    let (detection, _) = generated_in(&project);
    assert_eq!(
        detection.start,
        [
            "uvicorn",
            "quotes.main:api",
            "--app-dir",
            "src",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
}

#[test]
fn a_flask_factory_is_called_and_an_explicit_framework_wins() {
    let project = Project::new();
    project.file("requirements.txt", "Flask==3.0.3\n").file(
        "app/__init__.py",
        "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
    );
    let (detection, dockerfile) = generated_in(&project);
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:5000", "app:create_app()"]
    );
    assert!(
        dockerfile.contains("RUN pip install -r requirements.txt \"gunicorn==23.0.0\""),
        "{dockerfile}"
    );

    let mut service = service_at("app", project.path());
    service.framework = Some(crate::detect::language::Framework::Django);
    let error = detect(&service).expect_err("no manage.py or wsgi.py");
    assert!(error.to_string().contains("Django"), "{error}");
}

#[test]
fn requirements_includes_are_copied_before_the_source() {
    let project = Project::new();
    project
        .file(
            "requirements.txt",
            "-r requirements/base.txt\ngunicorn==23.0.0\n",
        )
        .file("requirements/base.txt", "Flask==3.0.3\n")
        .file("app.py", "from flask import Flask\napp = Flask(__name__)\n");
    let (_, dockerfile) = generated_in(&project);
    assert!(
        dockerfile.contains(
            "COPY requirements.txt ./\nCOPY requirements/base.txt requirements/base.txt\nRUN pip install -r requirements.txt\nCOPY . .\n"
        ),
        "{dockerfile}"
    );

    project.file("requirements.txt", "-e .\nFlask==3.0.3\ngunicorn==23.0.0\n");
    let (_, dockerfile) = generated_in(&project);
    assert!(
        dockerfile.contains("COPY . .\nRUN pip install -r requirements.txt\n"),
        "a local path needs the source first: {dockerfile}"
    );
}

#[test]
fn a_project_that_is_not_a_package_installs_its_declared_dependencies() {
    let project = Project::new();
    project
        .file(
            "pyproject.toml",
            "[project]\nname = \"jobs\"\nversion = \"0\"\nrequires-python = \"<3.14,>=3.11\"\ndependencies = [\"redis>=5\", 'tomli>=2; python_version < \"3.11\"']\n",
        )
        .file("main.py", "print('hi')\n");
    let (detection, dockerfile) = generated_in(&project);
    assert_eq!(
        version(&detection),
        ("3.11", "requires-python in pyproject.toml")
    );
    assert!(
        dockerfile.contains(
            "RUN pip install \"redis>=5\" \"tomli>=2; python_version < \\\"3.11\\\"\"\nCOPY . .\n"
        ),
        "{dockerfile}"
    );
}
