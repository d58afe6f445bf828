//! Generated Dockerfiles for Go services: a main package at the root or under cmd/.

use crate::common::{Project, generated, service_at};

#[test]
fn a_root_main_package_builds_the_module_binary() {
    let (detection, dockerfile) = generated("go-root", false, |_| {});
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("1.22", "go directive in go.mod")
    );
    assert_eq!(detection.start, ["/usr/local/bin/health"]);
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_command_under_cmd_is_built_with_the_toolchain_go_mod_names() {
    let (detection, dockerfile) = generated("go-cmd", true, |service| {
        service.build.system_packages = vec!["tzdata".to_string()];
    });
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("1.23", "toolchain in go.mod")
    );
    assert!(
        dockerfile.contains("-o /out/ingest ./cmd/ingest"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_module_without_a_main_package_is_explained() {
    let project = Project::new();
    project
        .file("go.mod", "module example.com/lib\n\ngo 1.22\n")
        .file("lib.go", "package lib\n");
    let error =
        stack::detect::detection::detect(&service_at("app", project.path())).expect_err("no main");
    assert_eq!(
        error.to_string(),
        "service `app`: module example.com/lib has no main package at its root or under cmd/"
    );
}
