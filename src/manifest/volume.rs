//! A volume or bind mount attached to a service.

use std::path::PathBuf;

use serde::Serialize;

/// What is mounted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VolumeSource {
    /// A named volume owned by the project (`pgdata:/var/lib/postgresql/data`).
    Named(String),
    /// A host directory or file (`./seed:/docker-entrypoint-initdb.d`), absolute.
    Bind(PathBuf),
}

/// One mount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Volume {
    pub(crate) source: VolumeSource,
    /// Absolute path inside the container.
    pub(crate) target: String,
    pub(crate) read_only: bool,
}
