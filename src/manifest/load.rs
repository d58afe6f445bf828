//! Entry point: read, parse, interpolate and validate a manifest. (stub: replaced by the manifest work)

use std::collections::BTreeMap;
use std::path::Path;

use crate::manifest::error::ManifestError;
use crate::manifest::project::Manifest;

/// Loads and validates `file`. `env` is the process environment; the project's `.env` fills gaps.
/// `shown` is how the file is named in messages.
pub fn load(
    file: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let _ = (file, env);
    Err(ManifestError {
        file: shown.display().to_string(),
        diagnostics: Vec::new(),
    })
}
