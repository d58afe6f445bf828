//! Native parts a Python package compiles when it is installed: C and C++ extensions
//! (setuptools `ext_modules`, pybind11, Cython, CMake through scikit-build) and Rust ones
//! (PyO3 through maturin or setuptools-rust). Their compilers go in the build stage only.

use serde::Serialize;

use crate::detect::python::project::Project;
use crate::detect::rust;

/// What the build stage needs to compile a package's native parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Native {
    /// What says the package has native parts, for the Dockerfile's comment.
    pub(crate) found: &'static str,
    /// Debian packages of the build stage: compilers, headers, make, cmake.
    pub(crate) packages: Vec<&'static str>,
    /// The Rust release whose toolchain the build stage copies from the rust image (PyO3).
    pub(crate) rust: Option<String>,
}

/// C and C++ compilers with the C library's headers (gcc alone recommends, not installs,
/// them) and make.
const C_TOOLCHAIN: &[&str] = &["gcc", "g++", "libc6-dev", "make"];

/// The native parts of an installable `project`, when it has some.
pub(super) fn native(project: &Project<'_>, installable: bool) -> Option<Native> {
    if !installable {
        return None;
    }
    let build_system = project.table(&["build-system"]);
    let backend = build_system
        .and_then(|b| b.get("build-backend")?.as_str())
        .unwrap_or_default();
    let requires: Vec<String> = build_system
        .and_then(|b| b.get("requires")?.as_array())
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str())
                .map(|v| v.to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let requires_any = |names: &[&str]| {
        requires
            .iter()
            .any(|r| names.iter().any(|n| r.starts_with(n)))
    };
    let setup = std::fs::read_to_string(project.dir.join("setup.py")).unwrap_or_default();
    let (found, packages, rust) = if backend.starts_with("maturin")
        || requires_any(&["maturin", "setuptools-rust", "setuptools_rust"])
        || setup.contains("RustExtension")
    {
        (
            if backend.starts_with("maturin") {
                "a Rust extension built by maturin (PyO3)"
            } else {
                "a Rust extension built by setuptools-rust"
            },
            vec!["gcc", "libc6-dev"],
            Some(rust_version(project)),
        )
    } else if requires_any(&["scikit-build", "py-build-cmake", "cmake"])
        || (project.has("CMakeLists.txt") && project.pyproject.is_some())
    {
        let mut packages = C_TOOLCHAIN.to_vec();
        packages.push("cmake");
        ("a C/C++ extension built with CMake", packages, None)
    } else if requires_any(&["pybind11", "nanobind", "cython"])
        || ["ext_modules", "Extension(", "pybind11", "cythonize"]
            .iter()
            .any(|signal| setup.contains(signal))
    {
        (
            "a C/C++ extension (setuptools ext_modules)",
            C_TOOLCHAIN.to_vec(),
            None,
        )
    } else {
        return None;
    };
    Some(Native {
        found,
        packages,
        rust,
    })
}

/// The toolchain the crate pins (rust-toolchain.toml, rust-toolchain, rust-version), else
/// stack's Rust default.
fn rust_version(project: &Project<'_>) -> String {
    let read = |name: &str| std::fs::read_to_string(project.dir.join(name)).ok();
    read("rust-toolchain.toml")
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("toolchain")?
                .get("channel")?
                .as_str()
                .and_then(rust::minor)
        })
        .or_else(|| read("rust-toolchain").and_then(|t| rust::minor(&t)))
        .or_else(|| {
            read("Cargo.toml")
                .and_then(|t| t.parse::<toml::Table>().ok())
                .and_then(|t| {
                    t.get("package")?
                        .get("rust-version")?
                        .as_str()
                        .and_then(rust::minor)
                })
        })
        .unwrap_or_else(|| rust::DEFAULT_VERSION.to_string())
}
