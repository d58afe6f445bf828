//! The project's network: one per project, services reach each other by name.

use std::collections::HashMap;

use bollard::models::NetworkCreateRequest;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::plan::spec::label;

impl Engine {
    /// The project label of the network `name`: `None` when it does not exist,
    /// `Some(None)` when it exists without one.
    pub(crate) async fn network_owner(
        &self,
        name: &str,
    ) -> Result<Option<Option<String>>, EngineError> {
        match self
            .docker()
            .inspect_network(
                name,
                None::<bollard::query_parameters::InspectNetworkOptions>,
            )
            .await
        {
            Ok(network) => Ok(Some(
                network.labels.and_then(|mut l| l.remove(label::PROJECT)),
            )),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(source) => Err(EngineError::Request {
                action: format!("inspect network {name}"),
                source,
            }),
        }
    }

    /// Creates the project's bridge network.
    pub(crate) async fn create_network(
        &self,
        project: &str,
        name: &str,
    ) -> Result<(), EngineError> {
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            labels: Some(HashMap::from([(
                label::PROJECT.to_string(),
                project.to_string(),
            )])),
            ..Default::default()
        };
        self.docker()
            .create_network(request)
            .await
            .map(|_| ())
            .map_err(request_failed(format!("create network {name}")))
    }

    /// Removes the network; a network that is already gone is fine.
    pub(crate) async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        match self.docker().remove_network(name).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(source) => Err(EngineError::Request {
                action: format!("remove network {name}"),
                source,
            }),
        }
    }
}
