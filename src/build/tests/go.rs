//! Generated Dockerfiles for Go services: a main package at the root or under cmd/.

use crate::detect::detection::{Details, detect};

use super::{Project, generated, service_at};

fn version(detection: &crate::detect::detection::Detection) -> (&str, &str) {
    (&detection.version, &detection.version_source)
}

/// The message and hint a user sees when detection fails for `project` as service `app`.
fn error(project: &Project, tweak: impl FnOnce(&mut crate::manifest::service::Service)) -> String {
    let mut service = service_at("app", project.path());
    tweak(&mut service);
    let error = detect(&service).expect_err("detection fails");
    format!("{error}\nhint: {}", error.hint().unwrap_or_default())
}

fn project_with_commands() -> Project {
    let project = Project::new();
    project
        .file("go.mod", "module example.com/finsight/jobs\n\ngo 1.23\n")
        .file("cmd/worker/main.go", "package main\n\nfunc main() {}\n")
        .file("cmd/scheduler/main.go", "package main\n\nfunc main() {}\n")
        .file(
            "cmd/tool/gen.go",
            "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
        );
    project
}

#[test]
fn a_root_main_package_builds_the_module_binary_with_a_go_that_has_an_image() {
    let (detection, dockerfile) = generated("go-root", false, |_| {});
    // `go 1.22` is a minimum: it builds with the oldest Go stack has images for.
    assert_eq!(
        version(&detection),
        (
            "1.23",
            "go directive in go.mod says 1.22; 1.23 is the oldest Go stack builds with on bookworm"
        )
    );
    assert_eq!(detection.start, ["/usr/local/bin/health"]);
    assert_eq!(detection.default_port, Some(8080));
    assert!(
        dockerfile.contains("COPY go.mod ./\n"),
        "no go.sum in a module without dependencies"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_command_under_cmd_is_built_with_the_toolchain_go_mod_names() {
    let (detection, dockerfile) = generated("go-cmd", true, |service| {
        service.build.build_packages = vec!["git".to_string()];
        service.build.system_packages = vec!["tzdata".to_string()];
        service
            .build
            .args
            .insert("GOFLAGS".to_string(), "-buildvcs=false".to_string());
    });
    assert_eq!(version(&detection), ("1.23", "toolchain in go.mod"));
    assert_eq!(detection.start, ["/usr/local/bin/ingest"]);
    assert!(
        dockerfile.contains("-o /out/ingest ./cmd/ingest"),
        "{dockerfile}"
    );
    let (build, runtime) = dockerfile
        .split_once("FROM debian:bookworm-slim")
        .expect("two stages");
    assert!(build.contains("install -y --no-install-recommends git") && !runtime.contains(" git"));
    assert!(runtime.contains("ca-certificates tzdata"));
    assert_eq!(
        dockerfile.matches("COPY stack-ca.crt").count(),
        2,
        "the extra CA is trusted by `go mod download` and by the app"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn go_sum_is_copied_with_go_mod_and_a_manifest_pin_wins() {
    let project = Project::new();
    project
        .file(
            "go.mod",
            "module example.com/api/v2\n\ngo 1.21\n\nrequire github.com/google/uuid v1.6.0\n",
        )
        .file("go.sum", "github.com/google/uuid v1.6.0 h1:placeholder=\n")
        .file("main.go", "package main\n\nfunc main() {}\n");
    let mut service = service_at("app", project.path());
    service.version = Some("1.24".to_string());
    let detection = detect(&service).expect("a Go module");
    assert_eq!(version(&detection), ("1.24", "stack.yaml"));
    let Details::Go(go) = &detection.details else {
        panic!("Go details: {detection:?}");
    };
    assert!(go.go_sum);
    assert_eq!(go.binary, "api", "the major-version suffix is not the name");
    let rendered = crate::build::dockerfile::render(&service, &detection, &Default::default());
    assert!(
        rendered
            .dockerfile
            .contains("FROM golang:1.24-bookworm AS build")
    );
    assert!(rendered.dockerfile.contains("COPY go.mod go.sum ./\n"));
}

#[test]
fn a_module_without_a_main_package_is_explained() {
    let project = Project::new();
    project
        .file("go.mod", "module example.com/lib\n\ngo 1.22\n")
        .file("lib.go", "package lib\n");
    assert_eq!(
        error(&project, |_| {}),
        "service `app`: module example.com/lib has no main package at its root or under cmd/\n\
         hint: put `package main` with `func main()` in the module root or in cmd/<name>/"
    );
}

#[test]
fn several_commands_need_the_service_name_or_its_command_to_choose() {
    let project = project_with_commands();
    assert_eq!(
        error(&project, |_| {}),
        "service `app`: module example.com/finsight/jobs has several commands under cmd/: scheduler, worker\n\
         hint: name the service after the one to run, or set `command: [\"/usr/local/bin/scheduler\"]` on it"
    );
    let by_name = detect(&service_at("worker", project.path())).expect("named like a command");
    assert_eq!(by_name.start, ["/usr/local/bin/worker"]);
    let mut service = service_at("app", project.path());
    service.command = Some(vec![
        "/usr/local/bin/scheduler".to_string(),
        "--once".to_string(),
    ]);
    let by_command = detect(&service).expect("the command names one");
    let Details::Go(go) = &by_command.details else {
        panic!("Go details: {by_command:?}");
    };
    assert_eq!(go.package, "./cmd/scheduler");
}
