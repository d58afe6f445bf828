//! The stack.yaml init proposes: services as they will be written, with the comments that
//! say where each value came from.

/// A readiness probe as stack.yaml spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Http(String),
    Tcp,
    /// A command run in the container, as arguments.
    Cmd(Vec<String>),
}

/// Where a service's image comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A directory relative to stack.yaml (`.` for the root).
    Path(String),
    Image(String),
}

/// One service to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftService {
    pub name: String,
    /// Lines written as comments above the service: what was detected, what was left out.
    pub notes: Vec<String>,
    pub origin: Origin,
    pub port: Option<u16>,
    /// A host port the source fixed; written commented out, since stack picks free ones.
    pub fixed_host_port: Option<u16>,
    /// `KEY` with its value, or none to take it from the environment.
    pub env: Vec<(String, Option<String>)>,
    pub env_files: Vec<String>,
    pub depends_on: Vec<String>,
    pub health: Option<Probe>,
    pub command: Option<Vec<String>>,
    pub volumes: Vec<String>,
}

impl DraftService {
    pub fn new(name: String, origin: Origin) -> DraftService {
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
        }
    }
}

/// The whole manifest to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The project name, when the source names one; otherwise stack takes the folder's.
    pub name: Option<String>,
    pub services: Vec<DraftService>,
}
