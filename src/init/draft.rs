//! The stack.yaml init proposes: services as they will be written, with the comments that
//! say where each value came from.

use crate::manifest::health::Check;

/// Where a service's image comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A directory relative to stack.yaml (`.` for the root).
    Path(String),
    Image(String),
}

/// One service to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftService {
    pub(crate) name: String,
    /// Lines written as comments above the service: what was detected, what was left out.
    pub(crate) notes: Vec<String>,
    pub(crate) origin: Origin,
    pub(crate) port: Option<u16>,
    /// A host port the source fixed; written commented out, since stack picks free ones.
    pub(crate) fixed_host_port: Option<u16>,
    /// `KEY` with its value, or none to take it from the environment.
    pub(crate) env: Vec<(String, Option<String>)>,
    pub(crate) env_files: Vec<String>,
    pub(crate) depends_on: Vec<String>,
    pub(crate) health: Option<Check>,
    pub(crate) command: Option<Vec<String>>,
    pub(crate) volumes: Vec<String>,
    /// Build arguments (from a compose `build.args`).
    pub(crate) build_args: Vec<(String, String)>,
}

impl DraftService {
    pub(crate) fn new(name: String, origin: Origin) -> DraftService {
        DraftService {
            name,
            notes: Vec::new(),
            origin,
            port: None,
            fixed_host_port: None,
            env: Vec::new(),
            env_files: Vec::new(),
            depends_on: Vec::new(),
            health: None,
            command: None,
            volumes: Vec::new(),
            build_args: Vec::new(),
        }
    }
}

/// The whole manifest to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    /// The project name, when the source names one; otherwise stack takes the folder's.
    pub(crate) name: Option<String>,
    pub(crate) services: Vec<DraftService>,
}
