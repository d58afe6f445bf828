//! Rust services: the binary from Cargo.toml (a single crate or a workspace member), the
//! placeholder sources its dependency layer needs, where it listens, the toolchain from
//! rust-toolchain(.toml) or rust-version. A crate built for WebAssembly is not a service
//! stack can build.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::language::Language;
use crate::detect::listen::{self, Arg, Call};
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

fn invalid(service: &Service, message: String, hint: &str) -> DetectError {
    DetectError::Invalid {
        service: service.name.clone(),
        message,
        hint: Some(hint.to_string()),
    }
}

/// `rel/file`, or `file` at the root.
fn join(rel: &str, file: &str) -> String {
    if rel.is_empty() {
        file.to_string()
    } else {
        format!("{rel}/{file}")
    }
}

fn read_manifest(service: &Service, dir: &Path, rel: &str) -> Result<toml::Table, DetectError> {
    let path = dir.join(join(rel, "Cargo.toml"));
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    text.parse().map_err(|e: toml::de::Error| {
        invalid(
            service,
            format!(
                "{} is not valid TOML: {}",
                join(rel, "Cargo.toml"),
                e.message()
            ),
            "fix the manifest; `cargo metadata` shows where",
        )
    })
}

/// One package of the build: the root crate or a workspace member.
struct Crate {
    /// Directory relative to the service directory; empty for the root.
    rel: String,
    name: String,
    /// (binary name, source file relative to the crate).
    bins: Vec<(String, String)>,
    mains: Vec<String>,
    libs: Vec<String>,
}

fn str_at<'a>(table: &'a toml::Table, keys: &[&str]) -> Option<&'a str> {
    let (last, path) = keys.split_last()?;
    let mut table = table;
    for key in path {
        table = table.get(*key)?.as_table()?;
    }
    table.get(*last)?.as_str()
}

/// The package's targets, as cargo would find them, and the sources each needs.
fn read_crate(dir: &Path, rel: &str, manifest: &toml::Table, fallback: &str) -> Crate {
    let root = dir.join(rel);
    let exists = |file: &str| root.join(file).is_file();
    let package = manifest.get("package").and_then(|p| p.as_table());
    let name = str_at(manifest, &["package", "name"])
        .unwrap_or(fallback)
        .to_string();
    let auto = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_bool)
            .unwrap_or(true)
    };
    let declared = |kind: &str| -> Vec<(String, Option<String>)> {
        manifest
            .get(kind)
            .and_then(|v| v.as_array())
            .map(|targets| {
                targets
                    .iter()
                    .filter_map(|t| {
                        let t = t.as_table()?;
                        Some((
                            t.get("name")?.as_str()?.to_string(),
                            t.get("path").and_then(|p| p.as_str()).map(str::to_string),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // Binaries: [[bin]] entries (path inferred from the name as cargo does), then the
    // ones cargo discovers unless `autobins = false`.
    let mut bins: Vec<(String, String)> = declared("bin")
        .into_iter()
        .map(|(bin, path)| {
            let path = path.unwrap_or_else(|| {
                [
                    format!("src/bin/{bin}.rs"),
                    format!("src/bin/{bin}/main.rs"),
                ]
                .into_iter()
                .find(|p| exists(p))
                .unwrap_or_else(|| "src/main.rs".to_string())
            });
            (bin, path)
        })
        .collect();
    if auto("autobins") {
        let mut found = Vec::new();
        if exists("src/main.rs") {
            found.push((name.clone(), "src/main.rs".to_string()));
        }
        if let Ok(entries) = std::fs::read_dir(root.join("src/bin")) {
            for entry in entries.filter_map(Result::ok) {
                let file = entry.file_name().to_string_lossy().to_string();
                if let Some(stem) = file.strip_suffix(".rs") {
                    found.push((stem.to_string(), format!("src/bin/{file}")));
                } else if entry.path().join("main.rs").is_file() {
                    found.push((file.clone(), format!("src/bin/{file}/main.rs")));
                }
            }
        }
        for (bin, path) in found {
            if !bins.iter().any(|(n, p)| *n == bin || *p == path) {
                bins.push((bin, path));
            }
        }
    }
    bins.sort();
    let mut mains: BTreeSet<String> = bins.iter().map(|(_, p)| p.clone()).collect();
    for (kind, folder) in [
        ("example", "examples"),
        ("test", "tests"),
        ("bench", "benches"),
    ] {
        for (target, path) in declared(kind) {
            mains.insert(path.unwrap_or_else(|| {
                let nested = format!("{folder}/{target}/main.rs");
                if exists(&nested) {
                    nested
                } else {
                    format!("{folder}/{target}.rs")
                }
            }));
        }
    }
    match package.and_then(|p| p.get("build")) {
        Some(toml::Value::String(script)) => {
            mains.insert(script.clone());
        }
        Some(toml::Value::Boolean(false)) => {}
        _ => {
            mains.insert("build.rs".to_string());
        }
    }
    let lib = str_at(manifest, &["lib", "path"]).unwrap_or("src/lib.rs");
    // Only files the project has: a placeholder with no real file to replace it would be
    // what the final build compiles.
    let present = |files: Vec<String>| -> Vec<String> {
        files
            .into_iter()
            .filter(|f| exists(f))
            .map(|f| join(rel, &f))
            .collect()
    };
    Crate {
        rel: rel.to_string(),
        name,
        bins,
        mains: present(mains.into_iter().collect()),
        libs: present(vec![lib.to_string()]),
    }
}

/// The directories of `[workspace] members` (a trailing `/*` is expanded) minus `exclude`.
fn workspace_members(dir: &Path, workspace: &toml::Table) -> Vec<String> {
    let strings = |key: &str| -> Vec<String> {
        workspace
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| s.trim_end_matches('/').to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let exclude = strings("exclude");
    let mut members = BTreeSet::new();
    for pattern in strings("members") {
        if let Some(parent) = pattern.strip_suffix("/*") {
            if let Ok(entries) = std::fs::read_dir(dir.join(parent)) {
                for entry in entries.filter_map(Result::ok) {
                    if entry.path().join("Cargo.toml").is_file() {
                        members.insert(format!("{parent}/{}", entry.file_name().to_string_lossy()));
                    }
                }
            }
        } else if dir.join(&pattern).join("Cargo.toml").is_file() && pattern != "." {
            members.insert(pattern);
        }
    }
    members.retain(|m| !exclude.contains(m));
    members.into_iter().collect()
}

/// Every binary target of the crate or workspace at `dir`, sorted by package (`stack init`
/// makes a service of each). Unreadable manifests give none: detection reports them.
pub(crate) fn binaries(dir: &Path) -> Vec<String> {
    let parse = |rel: &str| {
        std::fs::read_to_string(dir.join(join(rel, "Cargo.toml")))
            .ok()?
            .parse::<toml::Table>()
            .ok()
    };
    let Some(root) = parse("") else {
        return Vec::new();
    };
    let mut crates = Vec::new();
    if root.contains_key("package") {
        crates.push(read_crate(dir, "", &root, "app"));
    }
    let members = root
        .get("workspace")
        .and_then(|w| w.as_table())
        .map(|w| workspace_members(dir, w))
        .unwrap_or_default();
    for member in &members {
        if let Some(manifest) = parse(member) {
            crates.push(read_crate(dir, member, &manifest, member));
        }
    }
    crates
        .into_iter()
        .flat_map(|c| c.bins.into_iter().map(|(bin, _)| bin))
        .collect()
}

/// The binary to build: the only one, else the one named like the service, the program its
/// `command:` runs, or the package.
fn choose_binary<'a>(
    service: &Service,
    crates: &'a [Crate],
    workspace: bool,
) -> Result<(&'a Crate, &'a str), DetectError> {
    let all: Vec<(&Crate, &str)> = crates
        .iter()
        .flat_map(|c| c.bins.iter().map(move |(bin, _)| (c, bin.as_str())))
        .collect();
    let program = service
        .command
        .as_ref()
        .and_then(|argv| argv.first())
        .map(|p| p.rsplit('/').next().unwrap_or(p));
    let root_package = crates
        .first()
        .filter(|c| c.rel.is_empty())
        .map(|c| c.name.as_str());
    if let [only] = all.as_slice() {
        return Ok(*only);
    }
    let named = |wanted: Option<&str>| all.iter().find(|(_, bin)| Some(*bin) == wanted).copied();
    // A member named like the service, when it has a single binary.
    let member = || {
        crates
            .iter()
            .find(|c| c.name == service.name && c.bins.len() == 1)
            .map(|c| (c, c.bins[0].0.as_str()))
    };
    if let Some(found) = named(Some(&service.name))
        .or_else(|| named(program))
        .or_else(member)
        .or_else(|| named(root_package))
    {
        return Ok(found);
    }
    let described: Vec<String> = all
        .iter()
        .map(|(c, bin)| {
            if workspace && !c.rel.is_empty() {
                format!("{bin} ({})", c.rel)
            } else {
                bin.to_string()
            }
        })
        .collect();
    let what = if workspace {
        "the workspace".to_string()
    } else {
        format!("crate `{}`", root_package.unwrap_or(&service.name))
    };
    Err(if described.is_empty() {
        invalid(
            service,
            format!("{what} has no binary (no src/main.rs, src/bin/ or [[bin]])"),
            "a service needs a binary target: add src/main.rs",
        )
    } else {
        DetectError::Invalid {
            service: service.name.clone(),
            message: format!("{what} has several binaries: {}", described.join(", ")),
            hint: Some(format!(
                "name the service after the binary to run, or set `command: [\"/usr/local/bin/{}\"]` on it",
                all[0].1
            )),
        }
    })
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
    use super::{minor, read_crate};

    #[test]
    fn toolchain_channels_give_a_version_only_when_numeric() {
        assert_eq!(minor("1.82.0").as_deref(), Some("1.82"));
        assert_eq!(minor("1.80").as_deref(), Some("1.80"));
        assert_eq!(minor("stable"), None);
        assert_eq!(minor("nightly-2024-05-01"), None);
    }

    #[test]
    fn targets_are_found_as_cargo_finds_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for file in [
            "src/main.rs",
            "src/lib.rs",
            "src/bin/tool.rs",
            "src/bin/admin/main.rs",
            "build.rs",
            "benches/speed.rs",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "fn main() {}\n").expect("write");
        }
        let manifest: toml::Table =
            "[package]\nname = \"svc\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n"
                .parse()
                .expect("valid TOML");
        let found = read_crate(dir.path(), "", &manifest, "fallback");
        let bins: Vec<&str> = found.bins.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(bins, ["admin", "svc", "tool"]);
        assert_eq!(
            found.mains,
            [
                "benches/speed.rs",
                "build.rs",
                "src/bin/admin/main.rs",
                "src/bin/tool.rs",
                "src/main.rs"
            ]
        );
        assert_eq!(found.libs, ["src/lib.rs"]);
    }
}
