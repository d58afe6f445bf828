//! Go services: the module from go.mod, the main package at the root or under cmd/, the
//! version from the go or toolchain directive.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::error::DetectError;
use crate::detect::version::{Version, pick};
use crate::language::Language;
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &["go.mod"];

/// The Go used when go.mod names none.
pub const DEFAULT_VERSION: &str = "1.23";

/// Facts about a Go service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Go {
    pub module: String,
    /// The package to build: `.` or `./cmd/<name>`.
    pub package: String,
    /// The binary's name, installed as /usr/local/bin/<binary>.
    pub binary: String,
    /// go.sum exists (a module without dependencies has none).
    pub go_sum: bool,
}

static MODULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^module\s+(\S+)").expect("a valid pattern"));
static GO_DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^go\s+(\d+\.\d+)").expect("a valid pattern"));
static TOOLCHAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^toolchain\s+go(\d+\.\d+)").expect("a valid pattern"));
static PACKAGE_MAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^package\s+main\b").expect("a valid pattern"));

pub fn matches(dir: &Path) -> bool {
    dir.join("go.mod").is_file()
}

/// A directory holding a `.go` file (not a test) in package main.
fn is_main_package(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.ends_with(".go")
                && !name.ends_with("_test.go")
                && std::fs::read_to_string(entry.path())
                    .is_ok_and(|text| PACKAGE_MAIN.is_match(&text))
        })
    })
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let path = dir.join("go.mod");
    let go_mod = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    let module = MODULE
        .captures(&go_mod)
        .map(|c| c[1].to_string())
        .ok_or_else(|| DetectError::Invalid {
            service: service.name.clone(),
            message: "go.mod has no `module` line".to_string(),
            hint: Some("run `go mod init <module path>`".to_string()),
        })?;
    let last = module.rsplit('/').next().unwrap_or(&module).to_string();
    let (package, binary) = if is_main_package(dir) {
        (".".to_string(), last.clone())
    } else {
        let mut commands: Vec<String> = std::fs::read_dir(dir.join("cmd"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| is_main_package(&e.path()))
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        commands.sort();
        let chosen = match commands.as_slice() {
            [only] => only.clone(),
            [] => {
                return Err(DetectError::Invalid {
                    service: service.name.clone(),
                    message: format!("module {module} has no main package at its root or under cmd/"),
                    hint: Some("put `package main` with `func main()` in the module root or in cmd/<name>/".to_string()),
                });
            }
            several => several
                .iter()
                .find(|c| **c == service.name || **c == last)
                .cloned()
                .ok_or_else(|| DetectError::Invalid {
                    service: service.name.clone(),
                    message: format!("several commands under cmd/: {}", several.join(", ")),
                    hint: Some(format!(
                        "name the service like the command to build (e.g. `{}`), or give it its own Dockerfile",
                        several[0]
                    )),
                })?,
        };
        (format!("./cmd/{chosen}"), chosen)
    };
    let (version, version_source) = pick(
        service,
        &[
            Version::from(
                "toolchain in go.mod",
                TOOLCHAIN.captures(&go_mod).map(|c| c[1].to_string()),
            ),
            Version::from(
                "go directive in go.mod",
                GO_DIRECTIVE.captures(&go_mod).map(|c| c[1].to_string()),
            ),
        ],
        DEFAULT_VERSION,
    );
    Ok(Detection {
        language: Language::Go,
        framework: None,
        version,
        version_source,
        start: vec![format!("/usr/local/bin/{binary}")],
        default_port: Some(8080),
        details: Details::Go(Go {
            module,
            package,
            binary,
            go_sum: dir.join("go.sum").is_file(),
        }),
    })
}
