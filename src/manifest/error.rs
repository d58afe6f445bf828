//! Everything wrong with a manifest, reported at once.

use crate::manifest::diagnostic::Diagnostic;

/// A manifest that could not be read or is invalid. Holds every problem found, in file order.
#[derive(Debug, thiserror::Error)]
#[error("{} is invalid ({} problem{})", .file, .diagnostics.len(), if .diagnostics.len() == 1 { "" } else { "s" })]
pub(crate) struct ManifestError {
    /// The manifest file as the user would type it.
    pub(crate) file: String,
    pub(crate) diagnostics: Vec<Diagnostic>,
}
