//! Java services without a build tool: the sources under src/main/java, compiled by the
//! JDK's own javac and packed into a runnable jar around the one class with a `main`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::manifest::service::Service;

/// Where the sources are, as in Maven's layout (tests under src/test/java stay out).
pub(crate) const SOURCES: &str = "src/main/java";

static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*package\s+([\w.]+)\s*;").expect("a valid pattern"));
static MAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bstatic\s+(?:final\s+)?void\s+main\s*\(\s*(?:final\s+)?String\s*(?:\[\s*\]|\.\.\.)",
    )
    .expect("a valid pattern")
});

/// A directory holding at least one `.java` file under src/main/java.
pub(crate) fn matches(dir: &Path) -> bool {
    !java_files(&dir.join(SOURCES)).is_empty()
}

/// The fully qualified name of the class with `public static void main`: `app.Main`.
pub(crate) fn main_class(service: &Service, dir: &Path) -> Result<String, DetectError> {
    let mut mains = Vec::new();
    for file in java_files(&dir.join(SOURCES)) {
        let text = std::fs::read_to_string(&file).map_err(|source| DetectError::Io {
            service: service.name.clone(),
            path: file.clone(),
            source,
        })?;
        if !MAIN.is_match(&text) {
            continue;
        }
        let class = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        mains.push(match PACKAGE.captures(&text) {
            Some(package) => format!("{}.{class}", &package[1]),
            None => class,
        });
    }
    match mains.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!("no class under {SOURCES} has a `public static void main(String[] args)`"),
            hint: Some("add the class that starts the server, or add a Dockerfile to the service".to_string()),
        }),
        several => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!(
                "several classes under {SOURCES} have a `main` ({}); the jar can start only one",
                several.join(", ")
            ),
            hint: Some("keep one `main` under src/main/java (tools can live in src/test/java), or add a Dockerfile".to_string()),
        }),
    }
}

/// Every `.java` file below `dir`, sorted so the choice of a main class is stable.
fn java_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "java") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::{MAIN, PACKAGE};

    #[test]
    fn main_methods_and_packages() {
        assert!(MAIN.is_match("public static void main(String[] args) {"));
        assert!(MAIN.is_match("static void main(final String... args)"));
        assert!(!MAIN.is_match("static void mainLoop(String[] args)"));
        assert!(!MAIN.is_match("void main() {"));
        let package = PACKAGE
            .captures("// x\npackage com.example.app;\n")
            .expect("a package");
        assert_eq!(&package[1], "com.example.app");
    }
}
