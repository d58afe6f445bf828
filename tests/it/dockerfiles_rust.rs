//! Generated Dockerfiles for Rust services.

use crate::common::generated;

#[test]
fn a_binary_crate_caches_its_dependencies_and_uses_the_pinned_toolchain() {
    let (detection, dockerfile) = generated("rust-bin", false, |_| {});
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("1.82", "rust-toolchain.toml")
    );
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
    insta::assert_snapshot!(dockerfile);
}
