//! A service's own source files, read once and within limits, for the detectors that read
//! the code (the app object, the listen call, the port).

use std::path::Path;

/// How deep below the service directory sources are read (`src/main/java/com/x` is 5).
const MAX_DEPTH: usize = 8;
/// How many files at most, and how large each: enough for any service's entry points,
/// bounded for a monorepo pointed at by mistake.
const MAX_FILES: usize = 400;
const MAX_BYTES: u64 = 256 * 1024;

/// Folders that hold dependencies, build output or test data, never a service's own code:
/// installed packages (node_modules, vendor, virtualenvs), build output (target, dist,
/// build, out) and test fixtures (testdata, fixtures). `stack init` does not look in them
/// for services either.
pub(crate) const NOT_SOURCE: &[&str] = &[
    "node_modules",
    "bower_components",
    "vendor",
    "third_party",
    "target",
    "dist",
    "build",
    "out",
    "__pycache__",
    "venv",
    "site-packages",
    "coverage",
    "testdata",
    "fixtures",
    "__fixtures__",
];

/// Folders of tests, migrations and documentation: code, but not what starts the service.
const NOT_ENTRY: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "e2e",
    "migrations",
    "docs",
];

/// One source file: its path relative to the service directory (`/`-separated) and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SourceFile {
    pub(crate) path: String,
    pub(crate) text: String,
}

impl SourceFile {
    /// `path:line` of the byte offset `at` in the file.
    pub(crate) fn at(&self, at: usize) -> String {
        let line = self.text[..at.min(self.text.len())].matches('\n').count() + 1;
        format!("{}:{line}", self.path)
    }
}

/// The files below `dir` with one of `extensions`, tests left out, in path order after the
/// files named in `first` (entry points, read first because they decide).
pub(crate) fn read(dir: &Path, extensions: &[&str], first: &[String]) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    collect(dir, "", extensions, MAX_DEPTH, &mut paths);
    paths.sort_by_key(|path| {
        (
            first.iter().position(|f| f == path).unwrap_or(first.len()),
            path.matches('/').count(),
            path.clone(),
        )
    });
    paths
        .into_iter()
        .take(MAX_FILES)
        .filter_map(|path| {
            let text = std::fs::read_to_string(dir.join(&path)).ok()?;
            Some(SourceFile { path, text })
        })
        .collect()
}

fn collect(dir: &Path, relative: &str, extensions: &[&str], depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir.join(relative)) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            // A virtualenv of any name holds installed packages.
            if depth > 0
                && !name.starts_with('.')
                && !NOT_SOURCE.contains(&name.as_str())
                && !NOT_ENTRY.contains(&name.as_str())
                && !entry.path().join("pyvenv.cfg").is_file()
            {
                collect(dir, &path, extensions, depth - 1, out);
            }
        } else if kind.is_file()
            && extensions
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")))
            && !is_test(&name)
            && entry.metadata().is_ok_and(|m| m.len() <= MAX_BYTES)
        {
            out.push(path);
        }
    }
}

/// Test files by the naming rules of each language's test runner.
fn is_test(name: &str) -> bool {
    name.ends_with("_test.go")
        || name.contains(".test.")
        || name.contains(".spec.")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || name.ends_with("Test.java")
        || name.ends_with("Tests.java")
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn entry_points_come_first_and_tests_and_dependencies_stay_out() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for file in [
            "a.js",
            "src/server.js",
            "src/server.test.js",
            "node_modules/x/index.js",
            "tests/helper.js",
            "README.md",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "x\nlisten()\n").expect("write");
        }
        let files = read(dir.path(), &["js"], &["src/server.js".to_string()]);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["src/server.js", "a.js"]);
        assert_eq!(files[0].at(3), "src/server.js:2");
    }
}
