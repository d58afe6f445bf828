//! Generated Dockerfiles for Rust services: a binary crate or a workspace member.

use crate::detect::detection::{Details, Detection, detect};

use super::{Project, generated, service_at};

fn version(detection: &Detection) -> (&str, &str) {
    (&detection.version, &detection.version_source)
}

#[test]
fn a_binary_crate_caches_its_dependencies_and_uses_the_pinned_toolchain() {
    let (detection, dockerfile) = generated("rust-bin", false, |_| {});
    assert_eq!(version(&detection), ("1.82", "rust-toolchain.toml"));
    assert_eq!(detection.start, ["/usr/local/bin/pricer"]);
    assert!(dockerfile.contains("--locked"), "Cargo.lock is used");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn build_packages_stay_in_the_build_stage() {
    let (_, dockerfile) = generated("rust-bin", true, |service| {
        service.build.build_packages = vec!["pkg-config".to_string(), "libssl-dev".to_string()];
        service.build.system_packages = vec!["libssl3".to_string()];
    });
    let (build, runtime) = dockerfile
        .split_once("FROM debian:bookworm-slim")
        .expect("two stages");
    assert!(build.contains("libssl-dev") && !runtime.contains("libssl-dev"));
    assert!(runtime.contains("ca-certificates libssl3"));
    assert!(
        build.contains("CARGO_HTTP_CAINFO"),
        "cargo trusts the extra CA"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_workspace_builds_its_member_binary_against_every_member_manifest() {
    let (detection, dockerfile) = generated("rust-workspace", false, |_| {});
    assert_eq!(version(&detection), ("1.81", "rust-version in Cargo.toml"));
    assert_eq!(detection.start, ["/usr/local/bin/orders-api"]);
    let Details::Rust(rust) = &detection.details else {
        panic!("Rust details: {detection:?}");
    };
    assert_eq!(rust.members, ["crates/api", "crates/core"]);
    assert!(dockerfile.contains("--package orders-api --bin orders-api"));
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn several_binaries_need_the_service_name_or_its_command_to_choose() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"invoicer\"\npath = \"src/invoicer.rs\"\n")
        .file("src/invoicer.rs", "fn main() {}\n")
        .file("src/bin/reminders.rs", "fn main() {}\n");
    let error = detect(&service_at("app", project.path())).expect_err("ambiguous");
    assert_eq!(
        format!("{error}\nhint: {}", error.hint().unwrap_or_default()),
        "service `app`: crate `billing` has several binaries: invoicer, reminders\n\
         hint: name the service after the binary to run, or set `command: [\"/usr/local/bin/invoicer\"]` on it"
    );
    let chosen = detect(&service_at("reminders", project.path())).expect("named like a binary");
    assert_eq!(chosen.start, ["/usr/local/bin/reminders"]);
    assert_eq!(version(&chosen), ("1.85", "default"));
    let rendered = crate::build::dockerfile::render(
        &service_at("reminders", project.path()),
        &chosen,
        &Default::default(),
    );
    assert!(
        rendered.dockerfile.contains(
            " && echo 'fn main() {}' > src/bin/reminders.rs \\\n && echo 'fn main() {}' > src/invoicer.rs \\\n"
        ),
        "every declared binary gets a placeholder, or cargo rejects the manifest:\n{}",
        rendered.dockerfile
    );
    assert!(
        rendered
            .dockerfile
            .contains("cargo build --release --bin reminders"),
        "no --locked without Cargo.lock"
    );
}

#[test]
fn a_crate_without_a_binary_is_explained() {
    let project = Project::new();
    project
        .file(
            "Cargo.toml",
            "[package]\nname = \"money\"\nversion = \"0.1.0\"\n",
        )
        .file("src/lib.rs", "");
    let error = detect(&service_at("app", project.path())).expect_err("a library");
    assert_eq!(
        format!("{error}\nhint: {}", error.hint().unwrap_or_default()),
        "service `app`: crate `money` has no binary (no src/main.rs, src/bin/ or [[bin]])\n\
         hint: a service needs a binary target: add src/main.rs"
    );
}
