//! Rust services: the binary from Cargo.toml, the toolchain from rust-toolchain(.toml) or
//! rust-version.

use std::path::Path;

use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::error::DetectError;
use crate::detect::version::{Version, pick};
use crate::language::Language;
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &["Cargo.toml"];

/// The toolchain used when the project pins none.
pub const DEFAULT_VERSION: &str = "1.85";

/// Facts about a Rust service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rust {
    /// The binary target built and run.
    pub binary: String,
    /// Cargo.lock exists: the build is `--locked`.
    pub locked: bool,
    /// src/lib.rs exists and needs a placeholder in the dependency layer too.
    pub lib: bool,
    /// The binary's source file, relative to the crate: `src/main.rs`, `src/bin/x.rs`.
    pub main_file: String,
}

pub fn matches(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file()
}

fn invalid(service: &Service, message: String, hint: &str) -> DetectError {
    DetectError::Invalid {
        service: service.name.clone(),
        message,
        hint: Some(hint.to_string()),
    }
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    let cargo: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        invalid(
            service,
            format!("Cargo.toml is not valid TOML: {}", e.message()),
            "fix Cargo.toml",
        )
    })?;
    let package = cargo
        .get("package")
        .and_then(|p| p.as_table())
        .ok_or_else(|| {
            invalid(
                service,
                "Cargo.toml has no [package]: a workspace root".to_string(),
                "point `path:` at the member crate that holds the service's binary",
            )
        })?;
    let package_name = package
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or(&service.name)
        .to_string();
    let bins: Vec<(String, Option<String>)> = cargo
        .get("bin")
        .and_then(|b| b.as_array())
        .map(|bins| {
            bins.iter()
                .filter_map(|b| {
                    let b = b.as_table()?;
                    Some((
                        b.get("name")?.as_str()?.to_string(),
                        b.get("path").and_then(|p| p.as_str()).map(str::to_string),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let (binary, main_file) = match bins.as_slice() {
        [] if dir.join("src/main.rs").is_file() => {
            (package_name.clone(), "src/main.rs".to_string())
        }
        [] => {
            return Err(invalid(
                service,
                format!("crate `{package_name}` has no binary (no src/main.rs or [[bin]])"),
                "a service needs a binary target: add src/main.rs",
            ));
        }
        [(name, path)] => (
            name.clone(),
            path.clone().unwrap_or_else(|| default_bin_path(dir, name)),
        ),
        several => {
            let chosen = several
                .iter()
                .find(|(name, _)| *name == service.name || *name == package_name)
                .ok_or_else(|| {
                    let names: Vec<&str> = several.iter().map(|(n, _)| n.as_str()).collect();
                    invalid(
                        service,
                        format!(
                            "crate `{package_name}` has several binaries: {}",
                            names.join(", ")
                        ),
                        "name the service like the binary to run, or give it its own Dockerfile",
                    )
                })?;
            (
                chosen.0.clone(),
                chosen
                    .1
                    .clone()
                    .unwrap_or_else(|| default_bin_path(dir, &chosen.0)),
            )
        }
    };
    let toolchain_toml = std::fs::read_to_string(dir.join("rust-toolchain.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("toolchain")?
                .get("channel")?
                .as_str()
                .map(str::to_string)
        })
        .and_then(|channel| minor(&channel));
    let (version, version_source) = pick(
        service,
        &[
            Version::from("rust-toolchain.toml", toolchain_toml),
            Version::file(dir, "rust-toolchain", minor),
            Version::from(
                "rust-version in Cargo.toml",
                package
                    .get("rust-version")
                    .and_then(|v| v.as_str())
                    .and_then(minor),
            ),
        ],
        DEFAULT_VERSION,
    );
    Ok(Detection {
        language: Language::Rust,
        framework: None,
        version,
        version_source,
        start: vec![format!("/usr/local/bin/{binary}")],
        // Nothing in a crate says which port it binds; 8080 is the common choice.
        default_port: Some(8080),
        details: Details::Rust(Rust {
            binary,
            locked: dir.join("Cargo.lock").is_file(),
            lib: dir.join("src/lib.rs").is_file(),
            main_file,
        }),
    })
}

fn default_bin_path(dir: &Path, name: &str) -> String {
    let candidate = format!("src/bin/{name}.rs");
    if dir.join(&candidate).is_file() {
        candidate
    } else {
        "src/main.rs".to_string()
    }
}

/// `1.82` from `1.82.0`; channels like `stable` or `nightly` give nothing.
fn minor(text: &str) -> Option<String> {
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
    }
}
