//! The project's network: one per project, services reach each other by name.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::ListNetworksOptionsBuilder;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::plan::spec::label;

/// How often, and how long apart, removing a network whose last endpoints are still being
/// released is tried again.
const ENDPOINT_RETRIES: u32 = 10;
const ENDPOINT_PAUSE: Duration = Duration::from_millis(100);

/// A network with the project's network name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProjectNetwork {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Its project label; empty when it has none.
    pub(crate) project: String,
}

impl Engine {
    /// Every network called exactly `name`, oldest first. Engines before 23 let two
    /// concurrent creates make two networks of one name, so there may be several.
    pub(crate) async fn networks_named(
        &self,
        name: &str,
    ) -> Result<Vec<ProjectNetwork>, EngineError> {
        // The engine's `name` filter matches parts of names; exact matches are kept below.
        let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
        let options = ListNetworksOptionsBuilder::default()
            .filters(&filters)
            .build();
        let mut found: Vec<_> = self
            .docker()
            .list_networks(Some(options))
            .await
            .map_err(request_failed(format!("list networks named {name}")))?
            .into_iter()
            .filter(|n| n.name.as_deref() == Some(name))
            .map(|n| {
                let created = n.created.clone().unwrap_or_default();
                let network = ProjectNetwork {
                    id: n.id.unwrap_or_default(),
                    name: name.to_string(),
                    project: n
                        .labels
                        .and_then(|mut l| l.remove(label::PROJECT))
                        .unwrap_or_default(),
                };
                (created, network)
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found.into_iter().map(|(_, network)| network).collect())
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

    /// Removes the network `id` (called `name`); one already gone is fine.
    pub(crate) async fn remove_network(&self, id: &str, name: &str) -> Result<(), EngineError> {
        let mut tries = 0;
        loop {
            match self.docker().remove_network(id).await {
                Ok(())
                | Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Ok(()),
                // Right after many containers were removed at once, a busy engine can
                // still count one of their endpoints for a moment, or for good (an engine
                // bug, moby#42119).
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 403,
                    message,
                }) if message.contains("active endpoints") => {
                    if tries == ENDPOINT_RETRIES {
                        return Err(EngineError::NetworkStuck {
                            name: name.to_string(),
                        });
                    }
                    tries += 1;
                    tokio::time::sleep(ENDPOINT_PAUSE).await;
                }
                Err(source) => {
                    return Err(EngineError::request(
                        format!("remove network {name}"),
                        source,
                    ));
                }
            }
        }
    }
}
