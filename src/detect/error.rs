//! Why stack could not work out how to build a service.

use std::path::PathBuf;

/// Detection failures; each names the service and says what was looked for.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DetectError {
    #[error("service `{service}`: could not tell what language {} is written in", .dir.display())]
    NothingFound {
        service: String,
        dir: PathBuf,
        /// The files and signals that were checked, for the hint.
        looked_for: Vec<String>,
    },
    #[error("service `{service}`: {message}")]
    Invalid {
        service: String,
        message: String,
        hint: Option<String>,
    },
    #[error("service `{service}`: cannot read {}", .path.display())]
    Io {
        service: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DetectError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            DetectError::NothingFound { looked_for, .. } => Some(format!(
                "looked for {}; set `language:` (and `framework:`) on the service, or add a Dockerfile to the directory",
                looked_for.join(", ")
            )),
            DetectError::Invalid { hint, .. } => hint.clone(),
            DetectError::Io { .. } => None,
        }
    }
}
