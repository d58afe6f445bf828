//! Go, Rust and Java services read from their code (a port constant, a module without
//! go.mod, the artifact the build declares), what stack refuses (WebAssembly) and the
//! languages it has no template for.

use std::collections::BTreeMap;

use crate::detect::detection::{Details, detect};

use super::{detection_error, fixture, generated, service_at};

#[test]
fn a_go_port_constant_and_an_old_go_directive() {
    let (detection, dockerfile) = generated("go-port-constant", false, |_| {});
    assert_eq!(detection.default_port, Some(5050));
    assert_eq!(
        detection.version, "1.23",
        "go 1.18 builds with a Go that has an image"
    );
    assert!(detection.http);
    assert!(
        dockerfile.contains("FROM golang:1.23-bookworm AS build"),
        "{dockerfile}"
    );
}

#[test]
fn a_go_program_without_go_mod_becomes_a_module_when_built() {
    let (detection, dockerfile) = generated("go-no-module", false, |_| {});
    assert_eq!(detection.start, ["/usr/local/bin/app"]);
    assert_eq!(detection.default_port, Some(7000));
    assert!(dockerfile.contains("RUN go mod init app"), "{dockerfile}");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_rust_service_that_binds_loopback_is_warned_about_and_told_its_variable() {
    let (detection, _) = generated("rust-loopback", false, |_| {});
    assert_eq!(detection.default_port, Some(9090));
    assert_eq!(detection.warnings.len(), 1);
    assert!(
        detection.warnings[0].contains("binds 127.0.0.1")
            && detection.warnings[0].contains("ADDRESS: \"0.0.0.0:9090\""),
        "{:?}",
        detection.warnings
    );
    // Setting the variable is the fix: no warning then.
    let mut service = service_at("app", &fixture("rust-loopback"));
    service.env = BTreeMap::from([("ADDRESS".to_string(), "0.0.0.0:9090".to_string())]);
    assert!(detect(&service).expect("detects").warnings.is_empty());
}

#[test]
fn a_wasm32_wasi_crate_is_refused() {
    insta::assert_snapshot!(detection_error("rust-wasi"));
}

#[test]
fn java_runs_the_artifact_its_build_declares() {
    let jar = |name: &str| match generated(name, false, |_| {}).0.details {
        Details::Java(java) => java.jar,
        other => panic!("Java details: {other:?}"),
    };
    assert_eq!(
        jar("java-maven-assembly"),
        "target/adservice-1.0-SNAPSHOT-jar-with-dependencies.jar"
    );
    assert_eq!(jar("java-spring-boot"), "target/catalog-0.0.1-SNAPSHOT.jar");
    let (detection, dockerfile) = generated("java-maven-assembly", false, |_| {});
    assert_eq!(detection.default_port, Some(9555));
    assert!(detection.http, "Spark answers HTTP");
    insta::assert_snapshot!(dockerfile);
    let (detection, _) = generated("java-spring-boot", false, |_| {});
    assert_eq!(
        detection.default_port,
        Some(8081),
        "server.port in application.yml"
    );
}

#[test]
fn languages_without_a_template_ask_for_a_dockerfile() {
    for (fixture, language) in [
        ("php-laravel", "PHP"),
        ("ruby-sinatra", "Ruby"),
        ("dotnet-cartservice/src", ".NET"),
    ] {
        let message = detection_error(fixture);
        assert!(
            message.starts_with(&format!(
                "service `app`: stack has no template for {language} yet: add a Dockerfile to the directory"
            )),
            "{message}"
        );
    }
}
