//! Shared helpers: fixture paths, a `Service` builder for the pure APIs, and running `stack`.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stack::manifest::service::{BuildOptions, Service, Source};

/// `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A built service at `dir` with everything else at its default, as the manifest would give it.
pub(crate) fn service_at(name: &str, dir: &Path) -> Service {
    Service {
        name: name.to_string(),
        source: Source::Build {
            dir: dir.to_path_buf(),
            relative: PathBuf::from(dir.file_name().expect("fixture dirs have a name")),
        },
        port: None,
        host_port: None,
        host_ip: "127.0.0.1".to_string(),
        env: BTreeMap::new(),
        depends_on: Vec::new(),
        health: None,
        task: false,
        command: None,
        version: None,
        language: None,
        framework: None,
        build: BuildOptions::default(),
        volumes: Vec::new(),
        line: 1,
    }
}

/// `stack` with a clean environment: no colour, no engine or manifest settings leaking in.
pub(crate) fn stack(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("stack").expect("the stack binary is built for tests");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("STACK_FILE")
        .env_remove("STACK_CA_CERT");
    cmd
}

/// A temporary project: write files into it, then run `stack` there.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative`, creating parent directories.
    pub(crate) fn file(&self, relative: &str, text: &str) -> &Project {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write a project file");
        self
    }

    pub(crate) fn stack(&self) -> Command {
        stack(self.dir.path())
    }
}
