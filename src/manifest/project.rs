//! The validated manifest: the whole stack as typed nouns.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::manifest::gateway::Gateway;
use crate::manifest::service::Service;

/// A `stack.yaml` after parsing, interpolation and validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Manifest {
    /// Project name: labels every container, network and volume.
    pub(crate) name: String,
    /// The directory holding the manifest; service paths stay inside it.
    pub(crate) root: PathBuf,
    /// The manifest file as given, for messages.
    pub(crate) file: PathBuf,
    pub(crate) services: BTreeMap<String, Service>,
    pub(crate) gateway: Option<Gateway>,
    /// Extra CA certificates (absolute paths) trusted during builds and at run time.
    pub(crate) ca_certificates: Vec<PathBuf>,
    /// Where `stack push` pushes built images, `host[:port]/prefix`; `None` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) registry: Option<String>,
}
