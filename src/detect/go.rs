//! Go services: the module from go.mod (or a lone main package without one), the main
//! package at the root or under cmd/, where it listens, the version from the toolchain or
//! go directive, raised to a Go whose image exists.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
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
const LOOKED_FOR: &[&str] = &["go.mod", "*.go in package main"];

/// The Go used when go.mod names none.
const DEFAULT_VERSION: &str = "1.23";

/// The oldest Go stack builds with on each Debian release: the oldest `golang:X-<debian>`
/// image of a Go release still maintained when stack pinned it. A `go` directive is a
/// minimum and newer toolchains build older code, so `go 1.18` builds with 1.23 on
/// bookworm; newer releases are used as written. README's version table lists these.
pub(crate) const OLDEST: &[(&str, &str)] = &[("bookworm", "1.23"), ("trixie", "1.24")];

/// Calls that listen: net/http's `ListenAndServe`, gin's `Run`, echo's `Start`, fiber's
/// `Listen`, `net.Listen` (gRPC), an `http.Server{Addr: …}`.
const CALLS: &[Call] = &[
    Call {
        pattern: r"ListenAndServe(?:TLS)?\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.Run\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.Start(?:TLS)?\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.Listen\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bnet\.Listen\(",
        arg: Arg::Second,
    },
    Call {
        pattern: r"(?s)http\.Server\s*\{[^}]*?\bAddr:\s*",
        arg: Arg::Line,
    },
];

/// An HTTP server: net/http's, or one of the usual routers' and frameworks'.
static HTTP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"ListenAndServe|http\.Server\{|"github\.com/(?:gin-gonic/gin|labstack/echo|gofiber/fiber|go-chi/chi|gorilla/mux)"#)
        .expect("a valid pattern")
});

/// Go's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Go,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

/// Facts about a Go service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Go {
    pub(crate) module: String,
    /// The package to build: `.` or `./cmd/<name>`.
    pub(crate) package: String,
    /// The binary's name, installed as /usr/local/bin/<binary>.
    pub(crate) binary: String,
    /// go.mod exists; without it the build makes a module of the lone main package.
    pub(crate) go_mod: bool,
    /// go.sum exists (a module without dependencies has none).
    pub(crate) go_sum: bool,
}

static MODULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^module\s+(\S+)").expect("a valid pattern"));
static GO_DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^go\s+(\d+\.\d+)").expect("a valid pattern"));
static TOOLCHAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^toolchain\s+go(\d+\.\d+)").expect("a valid pattern"));
static PACKAGE_MAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^package\s+main\b").expect("a valid pattern"));
/// `//go:build ignore` (or `// +build ignore`): a `go run`-only generator, not part of the build.
static BUILD_IGNORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^//\s*(?:go:build|\+build)\s+ignore\s*$").expect("a valid pattern")
});

fn matches(dir: &Path) -> bool {
    dir.join("go.mod").is_file() || is_main_package(dir)
}

/// A directory holding a `.go` file in package main that `go build` compiles.
fn is_main_package(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.ends_with(".go")
                && !name.ends_with("_test.go")
                && std::fs::read_to_string(entry.path())
                    .is_ok_and(|text| PACKAGE_MAIN.is_match(&text) && !BUILD_IGNORE.is_match(&text))
        })
    })
}

/// Names of the main packages under `dir/cmd`, sorted (`stack init` makes a service of each).
pub(crate) fn commands(dir: &Path) -> Vec<String> {
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
    commands
}

/// The command under cmd/ to build: the only one, else the one named like the service, the
/// binary its `command:` runs, or the module.
fn choose_command(
    service: &Service,
    module: &str,
    last: &str,
    commands: &[String],
) -> Result<String, DetectError> {
    let wanted_by_command = service
        .command
        .as_ref()
        .and_then(|argv| argv.first())
        .map(|program| program.rsplit('/').next().unwrap_or(program).to_string());
    match commands {
        [only] => Ok(only.clone()),
        [] => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!("module {module} has no main package at its root or under cmd/"),
            hint: Some(
                "put `package main` with `func main()` in the module root or in cmd/<name>/"
                    .to_string(),
            ),
        }),
        several => [Some(service.name.as_str()), wanted_by_command.as_deref(), Some(last)]
            .into_iter()
            .flatten()
            .find_map(|wanted| several.iter().find(|c| *c == wanted).cloned())
            .ok_or_else(|| DetectError::Invalid {
                service: service.name.clone(),
                message: format!(
                    "module {module} has several commands under cmd/: {}",
                    several.join(", ")
                ),
                hint: Some(format!(
                    "name the service after the one to run, or set `command: [\"/usr/local/bin/{}\"]` on it",
                    several[0]
                )),
            }),
    }
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let path = dir.join("go.mod");
    let go_mod = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        // A lone main package: the build makes a module for it, named after the service.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_main_package(dir) => None,
        Err(source) => {
            return Err(DetectError::Io {
                service: service.name.clone(),
                path,
                source,
            });
        }
    };
    let module = match &go_mod {
        Some(go_mod) => MODULE
            .captures(go_mod)
            .map(|c| c[1].trim_matches('"').to_string())
            .ok_or_else(|| DetectError::Invalid {
                service: service.name.clone(),
                message: "go.mod has no `module` line".to_string(),
                hint: Some("run `go mod init <module path>`".to_string()),
            })?,
        None => service.name.clone(),
    };
    // A major-version suffix is not the name: example.com/api/v2 builds `api`.
    let mut elements = module.rsplit('/');
    let last = match elements.next() {
        Some(v) if is_major_suffix(v) => elements.next().unwrap_or(v),
        Some(name) => name,
        None => module.as_str(),
    }
    .to_string();
    let (package, binary) = if is_main_package(dir) {
        (".".to_string(), last)
    } else {
        let chosen = choose_command(service, &module, &last, &commands(dir))?;
        (format!("./cmd/{chosen}"), chosen)
    };
    let go_mod_text = go_mod.clone().unwrap_or_default();
    // The toolchain directive wins: it is at least the go directive, and is what the
    // module's authors build with.
    let (version, version_source) = pick(
        service,
        &[
            Version::from(
                "toolchain in go.mod",
                TOOLCHAIN.captures(&go_mod_text).map(|c| c[1].to_string()),
            ),
            Version::from(
                "go directive in go.mod",
                GO_DIRECTIVE
                    .captures(&go_mod_text)
                    .map(|c| c[1].to_string()),
            ),
        ],
        DEFAULT_VERSION,
    );
    let (version, version_source) = supported(&version, version_source, &service.build.debian);
    let package_dir = package.trim_start_matches("./").trim_start_matches('.');
    let first: Vec<String> = std::fs::read_dir(dir.join(package_dir))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|name| name.ends_with(".go"))
                .map(|name| {
                    if package_dir.is_empty() {
                        name
                    } else {
                        format!("{package_dir}/{name}")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let sources = source::read(dir, &["go"], &first);
    let listen = listen::find(&sources, CALLS);
    let port = listen::choose(
        service,
        listen.as_ref(),
        Some((8080, "the usual Go port".to_string())),
    );
    Ok(Detection::new(
        Language::Go,
        None,
        (version, version_source),
        vec![format!("/usr/local/bin/{binary}")],
        port,
        sources.iter().any(|f| HTTP.is_match(&f.text)),
        Details::Go(Go {
            module,
            package,
            binary,
            go_mod: go_mod.is_some(),
            go_sum: dir.join("go.sum").is_file(),
        }),
    ))
}

/// `version` raised to the oldest Go stack builds with on `debian`, saying so.
fn supported(version: &str, source: String, debian: &str) -> (String, String) {
    let oldest = OLDEST
        .iter()
        .find(|(release, _)| *release == debian)
        .map_or(DEFAULT_VERSION, |(_, oldest)| oldest);
    let key = |v: &str| -> Option<(u32, u32)> {
        let (major, minor) = v.split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    match (key(version), key(oldest)) {
        (Some(wanted), Some(floor)) if wanted < floor => (
            oldest.to_string(),
            format!(
                "{source} says {version}; {oldest} is the oldest Go stack builds with on {debian}"
            ),
        ),
        _ => (version.to_string(), source),
    }
}

/// `v2`, `v3`…: the suffix Go puts on major versions from 2 on.
fn is_major_suffix(element: &str) -> bool {
    element
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{BUILD_IGNORE, TOOLCHAIN, is_main_package, is_major_suffix, supported};

    #[test]
    fn generators_behind_build_ignore_are_not_the_main_package() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(
            dir.path().join("gen.go"),
            "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("lib.go"), "package lib\n").expect("write");
        assert!(!is_main_package(dir.path()));
        std::fs::write(dir.path().join("main.go"), "package main\n").expect("write");
        assert!(is_main_package(dir.path()));
        assert!(BUILD_IGNORE.is_match("// +build ignore\n"));
        assert!(!is_main_package(Path::new("/nonexistent")));
    }

    #[test]
    fn versions_are_major_minor() {
        let captured = TOOLCHAIN
            .captures("module x\n\ngo 1.22.3\n\ntoolchain go1.23.4\n")
            .map(|c| c[1].to_string());
        assert_eq!(captured.as_deref(), Some("1.23"));
        assert!(TOOLCHAIN.captures("toolchain default\n").is_none());
    }

    #[test]
    fn old_go_directives_build_with_the_oldest_go_that_has_an_image() {
        let (version, source) = supported("1.18", "go directive in go.mod".to_string(), "bookworm");
        assert_eq!(version, "1.23");
        assert_eq!(
            source,
            "go directive in go.mod says 1.18; 1.23 is the oldest Go stack builds with on bookworm"
        );
        assert_eq!(supported("1.24", "x".to_string(), "bookworm").0, "1.24");
        assert_eq!(supported("1.23", "x".to_string(), "trixie").0, "1.24");
    }

    #[test]
    fn major_version_suffixes_are_recognised() {
        assert!(is_major_suffix("v2"));
        assert!(!is_major_suffix("v"));
        assert!(!is_major_suffix("vault"));
    }
}
