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
    #[error(
        "service `{service}`: stack has no template for {language} yet: add a Dockerfile to the directory"
    )]
    NoTemplate { service: String, language: String },
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
            DetectError::NoTemplate { .. } => Some(
                "stack builds a directory's own Dockerfile unchanged; or run a ready-made image with `image:`"
                    .to_string(),
            ),
            DetectError::Invalid { hint, .. } => hint.clone(),
            DetectError::Io { .. } => None,
        }
    }

    /// The service the problem is about.
    pub(crate) fn service(&self) -> &str {
        match self {
            DetectError::NothingFound { service, .. }
            | DetectError::NoTemplate { service, .. }
            | DetectError::Invalid { service, .. }
            | DetectError::Io { service, .. } => service,
        }
    }

    /// The message without the service it is about, with its cause: what a diagnostic
    /// under the service's name says.
    pub(crate) fn message(&self) -> String {
        let full = self.to_string();
        let prefix = format!("service `{}`: ", self.service());
        let message = full.strip_prefix(&prefix).unwrap_or(&full).to_string();
        match std::error::Error::source(self) {
            Some(cause) => format!("{message}: {cause}"),
            None => message,
        }
    }
}
