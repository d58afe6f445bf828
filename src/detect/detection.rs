//! What detection found about a service directory, and choosing the detector that finds it.

use std::path::Path;

use serde::Serialize;

use crate::detect::detector::{DETECTORS, Detector};
use crate::detect::error::DetectError;
use crate::detect::language::{Framework, Language};
use crate::detect::{go, java, node, python, rust};
use crate::manifest::service::Service;

/// Everything the Dockerfile templates need to know about a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Detection {
    pub(crate) language: Language,
    pub(crate) framework: Option<Framework>,
    /// Runtime version used for the base image tag: "3.12", "22", "1.23", "1.85", "21".
    pub(crate) version: String,
    /// Where the version came from, for `stack plan` and messages: "stack.yaml",
    /// ".python-version", "default".
    pub(crate) version_source: String,
    /// The start command (exec form) written as the image's CMD.
    pub(crate) start: Vec<String>,
    /// The port the app listens on by default when the manifest gives none.
    pub(crate) default_port: Option<u16>,
    /// Language-specific facts for that language's template.
    pub(crate) details: Details,
}

/// Per-language facts; each variant's type lives in that language's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Details {
    Python(python::Python),
    Node(node::Node),
    Go(go::Go),
    Rust(rust::Rust),
    Java(java::Java),
}

/// Files and signals each detector looks for, listed when nothing matches.
pub(crate) fn looked_for() -> Vec<String> {
    DETECTORS
        .iter()
        .flat_map(|detector| detector.looked_for)
        .map(|signal| signal.to_string())
        .collect()
}

/// The language of `dir` by its files alone: the first detector in `DETECTORS` that matches.
pub(crate) fn sniff(dir: &Path) -> Option<Language> {
    DETECTORS
        .iter()
        .find(|detector| (detector.matches)(dir))
        .map(|detector| detector.language)
}

/// Detects how to build `service`: the manifest's `language`/`framework` first, then the files.
pub(crate) fn detect(service: &Service) -> Result<Detection, DetectError> {
    let Some(dir) = service.build_dir() else {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "runs a ready-made image; there is nothing to detect".to_string(),
            hint: None,
        });
    };
    let language = service
        .language
        .or(service.framework.map(Framework::language))
        .or_else(|| sniff(dir));
    match language {
        Some(language) => (Detector::of(language).detect)(service, dir),
        None => Err(DetectError::NothingFound {
            service: service.name.clone(),
            dir: dir.to_path_buf(),
            looked_for: looked_for(),
        }),
    }
}
