//! The validated manifest: the whole stack as typed nouns.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::manifest::gateway::Gateway;
use crate::manifest::service::Service;

/// A `stack.yaml` after parsing, interpolation and validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Project name: labels every container, network and volume.
    pub name: String,
    /// The directory holding the manifest; service paths stay inside it.
    pub root: PathBuf,
    /// The manifest file as given, for messages.
    pub file: PathBuf,
    pub services: BTreeMap<String, Service>,
    pub gateway: Option<Gateway>,
    /// Extra CA certificates (absolute paths) trusted during builds and at run time.
    pub ca_certificates: Vec<PathBuf>,
}
