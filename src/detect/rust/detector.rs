//! Rust's row in `DETECTORS`: the binary to build among the crate's targets, where it
//! listens, the toolchain from rust-toolchain(.toml) or rust-version; a crate built for
//! WebAssembly is refused.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::language::Language;
use crate::detect::listen::{self, Arg, Call};
use crate::detect::rust::targets::{
    choose_binary, invalid, join, read_crate, read_manifest, str_at, workspace_members,
};
use crate::detect::source;
use crate::detect::version::{Version, pick};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
const LOOKED_FOR: &[&str] = &["Cargo.toml"];

/// The toolchain used when the project pins none.
pub(crate) const DEFAULT_VERSION: &str = "1.85";

/// Calls that bind: `TcpListener::bind`, actix's `.bind(`, `SocketAddr::from(`, warp's
/// `.run(([0, 0, 0, 0], 3030))`, axum's `serve(listener, …)`.
const CALLS: &[Call] = &[
    Call {
        pattern: r"(?:::|\.)bind\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"SocketAddr::from\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.run\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bserve\(",
        arg: Arg::First,
    },
];

/// Crates that serve HTTP; a service using one answers an HTTP request.
const HTTP_CRATES: &[&str] = &[
    "axum",
    "actix-web",
    "rocket",
    "warp",
    "hyper",
    "tide",
    "poem",
    "salvo",
    "tiny_http",
];

/// Crates that make a WebAssembly component or module, not a native program.
const WASM_CRATES: &[&str] = &[
    "spin-sdk",
    "wit-bindgen",
    "wasmcloud-component",
    "fermyon-spin",
];

/// Rust's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Rust,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

/// Facts about a Rust service for its template. Paths are relative to the service directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Rust {
    /// The package that owns the binary (`--package` in a workspace).
    pub(crate) package: String,
    /// The binary target built and run.
    pub(crate) binary: String,
    /// Cargo.lock exists: the build is `--locked`.
    pub(crate) locked: bool,
    /// The service directory is a workspace root: builds name the package.
    pub(crate) workspace: bool,
    /// Workspace member directories whose Cargo.toml the dependency layer copies.
    pub(crate) members: Vec<String>,
    /// .cargo/config.toml exists (registries, rustflags): copied before the dependency layer.
    pub(crate) cargo_config: bool,
    /// Directories the placeholder sources go in.
    pub(crate) placeholder_dirs: Vec<String>,
    /// Targets with a `main` (binaries, build scripts, declared examples, tests and
    /// benches): `fn main() {}` in the dependency layer.
    pub(crate) placeholder_mains: Vec<String>,
    /// Library roots: empty files in the dependency layer.
    pub(crate) placeholder_libs: Vec<String>,
}

fn matches(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file()
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let root = read_manifest(service, dir, "")?;
    let workspace_table = root.get("workspace").and_then(|w| w.as_table());
    let members = workspace_table
        .map(|w| workspace_members(dir, w))
        .unwrap_or_default();
    let mut crates = Vec::new();
    if root.contains_key("package") {
        crates.push(read_crate(dir, "", &root, &service.name));
    }
    let mut manifests = Vec::new();
    for member in &members {
        let manifest = read_manifest(service, dir, member)?;
        let fallback = member.rsplit('/').next().unwrap_or(member).to_string();
        crates.push(read_crate(dir, member, &manifest, &fallback));
        manifests.push(manifest);
    }
    if crates.is_empty() {
        return Err(invalid(
            service,
            "Cargo.toml has neither a [package] nor workspace members".to_string(),
            "point `path:` at the crate that holds the service's binary",
        ));
    }
    let workspace = !members.is_empty();
    let (chosen, binary) = choose_binary(service, &crates, workspace)?;
    let chosen_manifest = if chosen.rel.is_empty() {
        &root
    } else {
        let index = members
            .iter()
            .position(|m| *m == chosen.rel)
            .expect("every crate but the root is a member");
        &manifests[index]
    };
    let toolchain_toml = std::fs::read_to_string(dir.join("rust-toolchain.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| str_at(&t, &["toolchain", "channel"]).and_then(minor));
    let rust_version = str_at(chosen_manifest, &["package", "rust-version"])
        .or_else(|| str_at(&root, &["workspace", "package", "rust-version"]))
        .and_then(minor);
    let (version, version_source) = pick(
        service,
        &[
            Version::from("rust-toolchain.toml", toolchain_toml),
            Version::file(dir, "rust-toolchain", minor),
            Version::from("rust-version in Cargo.toml", rust_version),
        ],
        DEFAULT_VERSION,
    );
    wasm(service, dir, chosen_manifest)?;
    let depends_on = |name: &str| {
        [chosen_manifest, &root].iter().any(|m| {
            ["dependencies", "workspace"].iter().any(|table| {
                m.get(*table).and_then(|t| t.as_table()).is_some_and(|t| {
                    t.contains_key(name)
                        || t.get("dependencies")
                            .and_then(|d| d.as_table())
                            .is_some_and(|d| d.contains_key(name))
                })
            })
        })
    };
    let bin_source = chosen
        .bins
        .iter()
        .find(|(name, _)| name == binary)
        .map(|(_, path)| join(&chosen.rel, path));
    let sources = source::read(dir, &["rs"], &bin_source.into_iter().collect::<Vec<_>>());
    let listen = listen::find(&sources, CALLS);
    let fallback = if depends_on("rocket") {
        (8000, "Rocket's default".to_string())
    } else {
        (8080, "the usual port".to_string())
    };
    let port = listen::choose(service, listen.as_ref(), Some(fallback));
    let http = HTTP_CRATES.iter().any(|name| depends_on(name));
    let placeholder_mains: Vec<String> = crates.iter().flat_map(|c| c.mains.clone()).collect();
    let placeholder_libs: Vec<String> = crates.iter().flat_map(|c| c.libs.clone()).collect();
    let placeholder_dirs: BTreeSet<String> = placeholder_mains
        .iter()
        .chain(&placeholder_libs)
        .filter_map(|f| f.rsplit_once('/').map(|(parent, _)| parent.to_string()))
        .collect();
    let package = chosen.name.clone();
    let binary = binary.to_string();
    Ok(Detection::new(
        Language::Rust,
        None,
        (version, version_source),
        vec![format!("/usr/local/bin/{binary}")],
        port,
        http,
        Details::Rust(Rust {
            package,
            binary,
            locked: dir.join("Cargo.lock").is_file(),
            workspace,
            members,
            cargo_config: dir.join(".cargo/config.toml").is_file()
                || dir.join(".cargo/config").is_file(),
            placeholder_dirs: placeholder_dirs.into_iter().collect(),
            placeholder_mains,
            placeholder_libs,
        }),
    ))
}

/// An error for a crate that builds a WebAssembly module or component: a `wasm32` target
/// in .cargo/config.toml, or a component SDK among its dependencies.
fn wasm(service: &Service, dir: &Path, manifest: &toml::Table) -> Result<(), DetectError> {
    let target = [".cargo/config.toml", ".cargo/config"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .filter_map(|t| t.parse::<toml::Table>().ok())
        .find_map(|t| str_at(&t, &["build", "target"]).map(str::to_string))
        .filter(|t| t.starts_with("wasm32"));
    let sdk = WASM_CRATES.iter().find(|name| {
        manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .is_some_and(|d| d.contains_key(**name))
    });
    let what = match (target, sdk) {
        (Some(target), _) => format!("builds for {target} (.cargo/config.toml)"),
        (None, Some(sdk)) => format!("is a WebAssembly component ({sdk})"),
        (None, None) => return Ok(()),
    };
    Err(invalid(
        service,
        format!("the crate {what}: stack builds and runs native binaries, not WebAssembly"),
        "run it in a WebAssembly runtime's image as an `image:` service, or add a Dockerfile to the directory",
    ))
}

/// `1.82` from `1.82.0`; channels like `stable` or `nightly` give nothing.
pub(crate) fn minor(text: &str) -> Option<String> {
    let mut parts = text.trim().split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    (major.chars().all(|c| c.is_ascii_digit())
        && minor.chars().all(|c| c.is_ascii_digit())
        && !minor.is_empty())
    .then(|| format!("{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::minor;

    #[test]
    fn toolchain_channels_give_a_version_only_when_numeric() {
        assert_eq!(minor("1.82.0").as_deref(), Some("1.82"));
        assert_eq!(minor("1.80").as_deref(), Some("1.80"));
        assert_eq!(minor("stable"), None);
        assert_eq!(minor("nightly-2024-05-01"), None);
    }
}
