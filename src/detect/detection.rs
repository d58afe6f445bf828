//! What detection found about a service directory, and the dispatch to each language.

use std::path::Path;

use serde::Serialize;

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
    [
        python::LOOKED_FOR,
        node::LOOKED_FOR,
        go::LOOKED_FOR,
        rust::LOOKED_FOR,
        java::LOOKED_FOR,
    ]
    .concat()
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// The language of `dir` by its files alone, in the order DESIGN.md gives.
pub(crate) fn sniff(dir: &Path) -> Option<Language> {
    if python::matches(dir) {
        Some(Language::Python)
    } else if node::matches(dir) {
        Some(Language::Node)
    } else if go::matches(dir) {
        Some(Language::Go)
    } else if rust::matches(dir) {
        Some(Language::Rust)
    } else if java::matches(dir) {
        Some(Language::Java)
    } else {
        None
    }
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
        Some(Language::Python) => python::detect(service, dir),
        Some(Language::Node) => node::detect(service, dir),
        Some(Language::Go) => go::detect(service, dir),
        Some(Language::Rust) => rust::detect(service, dir),
        Some(Language::Java) => java::detect(service, dir),
        None => Err(DetectError::NothingFound {
            service: service.name.clone(),
            dir: dir.to_path_buf(),
            looked_for: looked_for(),
        }),
    }
}
