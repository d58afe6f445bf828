//! Generated Dockerfiles for the fixtures under `tests/fixtures`, one module per language:
//! what detection found and the file it renders, snapshot-tested.

mod frontend;
mod go;
mod java;
mod languages;
mod node;
mod python;
mod python_code;
mod rust;

use std::path::{Path, PathBuf};

use crate::build::dockerfile::{RenderOptions, render};
use crate::detect::detection::{Detection, detect};
use crate::manifest::service::{Service, Source};

/// `tests/fixtures/<name>`.
pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A built service at `dir` with everything else at its default, as the manifest would give it.
pub(super) fn service_at(name: &str, dir: &Path) -> Service {
    let mut service = Service::built_from(name, dir);
    if let Source::Build { relative, .. } = &mut service.source {
        *relative = PathBuf::from(dir.file_name().expect("fixture dirs have a name"));
    }
    service.line = 1;
    service
}

/// Detection and generated Dockerfile for `tests/fixtures/<name>` as service `app`,
/// after `tweak` adjusts the service (a version pin, packages).
pub(super) fn generated(
    name: &str,
    ca_certificate: bool,
    tweak: impl FnOnce(&mut Service),
) -> (Detection, String) {
    let mut service = service_at("app", &fixture(name));
    tweak(&mut service);
    let detection = detect(&service).unwrap_or_else(|e| panic!("{name}: {e} ({:?})", e.hint()));
    let rendered = render(&service, &detection, &RenderOptions { ca_certificate });
    (detection, rendered.dockerfile)
}

/// The message and hint a user sees when detection fails for a fixture.
pub(super) fn detection_error(name: &str) -> String {
    let service = service_at("app", &fixture(name));
    let error = detect(&service).expect_err("detection fails");
    format!("{error}\nhint: {}", error.hint().unwrap_or_default())
}

/// A temporary service directory to write files into.
pub(super) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(super) fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative`, creating parent directories.
    pub(super) fn file(&self, relative: &str, text: &str) -> &Project {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write a project file");
        self
    }
}
