//! A connection to the Docker engine, negotiated down to the engine's API version.

use std::collections::BTreeMap;
use std::time::Duration;

use bollard::Docker;

use crate::engine::endpoint::{self, Endpoint};
use crate::engine::error::{EngineError, request_failed};

/// How long to wait for an engine to answer a ping before trying the next endpoint.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// A live connection to a Docker engine.
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    docker: Docker,
    pub(crate) endpoint: Endpoint,
}

/// What the engine says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EngineVersion {
    pub(crate) version: String,
    pub(crate) api_version: String,
    pub(crate) os: String,
    pub(crate) arch: String,
}

impl Engine {
    /// Connects to the first endpoint that answers.
    pub(crate) async fn connect(env: &BTreeMap<String, String>) -> Result<Engine, EngineError> {
        let endpoints = endpoint::discover(env)?;
        let explicit = endpoints.len() == 1 && endpoints[0].origin != "default socket";
        let mut tried = Vec::new();
        for endpoint in &endpoints {
            match Self::connect_to(endpoint).await {
                Ok(engine) => return Ok(engine),
                Err(source) if explicit => {
                    return Err(EngineError::Refused {
                        host: endpoint.host.clone(),
                        origin: endpoint.origin.clone(),
                        source,
                    });
                }
                Err(source) => {
                    tried.push(format!("{} ({}: {source})", endpoint.host, endpoint.origin))
                }
            }
        }
        if tried.is_empty() {
            tried.push("/var/run/docker.sock (does not exist)".to_string());
        }
        Err(EngineError::Unreachable { tried })
    }

    async fn connect_to(endpoint: &Endpoint) -> Result<Engine, bollard::errors::Error> {
        let docker = Docker::connect_with_host(&endpoint.host)?;
        let docker = tokio::time::timeout(PING_TIMEOUT, docker.negotiate_version())
            .await
            .map_err(|_| bollard::errors::Error::RequestTimeoutError)??;
        tokio::time::timeout(PING_TIMEOUT, docker.ping())
            .await
            .map_err(|_| bollard::errors::Error::RequestTimeoutError)??;
        Ok(Engine {
            docker,
            endpoint: endpoint.clone(),
        })
    }

    /// The bollard handle, for the other engine files only.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }

    pub(crate) async fn version(&self) -> Result<EngineVersion, EngineError> {
        let version = self
            .docker
            .version()
            .await
            .map_err(request_failed("read the engine version".to_string()))?;
        Ok(EngineVersion {
            version: version.version.unwrap_or_else(|| "unknown".to_string()),
            api_version: version.api_version.unwrap_or_else(|| "unknown".to_string()),
            os: version.os.unwrap_or_default(),
            arch: version.arch.unwrap_or_default(),
        })
    }
}
