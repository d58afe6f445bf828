//! Failures talking to the Docker engine.

use crate::error::exit;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no Docker engine answered (tried {})", .tried.join(", "))]
    Unreachable {
        /// Each endpoint tried, with where it came from and why it failed.
        tried: Vec<String>,
    },
    #[error("the Docker engine at {host} ({origin}) did not answer")]
    Refused {
        host: String,
        origin: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("cannot read the docker context `{context}` from {path}")]
    Context {
        context: String,
        path: String,
        reason: String,
    },
    #[error("Docker engine request failed: {action}")]
    Request {
        action: String,
        #[source]
        source: bollard::errors::Error,
    },
}

impl EngineError {
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Unreachable { .. }
            | EngineError::Refused { .. }
            | EngineError::Context { .. } => exit::ENGINE_UNREACHABLE,
            EngineError::Request { .. } => exit::FAILURE,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::Unreachable { .. } => Some(
                "start Docker (`sudo systemctl start docker`, `sudo dockerd &`, or Docker Desktop), \
                 or point DOCKER_HOST at a running engine, e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock"
                    .to_string(),
            ),
            EngineError::Refused { origin, .. } => Some(format!(
                "check that the engine is running and that you may use its socket (member of the `docker` group); the address came from {origin}"
            )),
            EngineError::Context { reason, .. } => Some(format!(
                "{reason}; run `docker context use default` or set DOCKER_HOST"
            )),
            EngineError::Request { .. } => None,
        }
    }
}
