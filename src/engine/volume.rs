//! Named volumes: created with the project's label, removed only when asked.

use std::collections::{BTreeSet, HashMap};

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::ListVolumesOptionsBuilder;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::plan::spec::label;

impl Engine {
    /// Names of the volumes that carry the project's label.
    pub(crate) async fn project_volumes(
        &self,
        project: &str,
    ) -> Result<BTreeSet<String>, EngineError> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{}={project}", label::PROJECT)],
        )]);
        let options = ListVolumesOptionsBuilder::default()
            .filters(&filters)
            .build();
        let response = self
            .docker()
            .list_volumes(Some(options))
            .await
            .map_err(request_failed("list volumes".to_string()))?;
        Ok(response
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect())
    }

    /// Whether a volume of this name exists at all (with or without our label).
    pub(crate) async fn volume_exists(&self, name: &str) -> Result<bool, EngineError> {
        match self.docker().inspect_volume(name).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(source) => Err(EngineError::request(
                format!("inspect volume {name}"),
                source,
            )),
        }
    }

    pub(crate) async fn create_volume(
        &self,
        project: &str,
        name: &str,
        short: &str,
    ) -> Result<(), EngineError> {
        let request = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(HashMap::from([
                (label::PROJECT.to_string(), project.to_string()),
                (label::VOLUME.to_string(), short.to_string()),
            ])),
            ..Default::default()
        };
        self.docker()
            .create_volume(request)
            .await
            .map(|_| ())
            .map_err(request_failed(format!("create volume {name}")))
    }

    pub(crate) async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        match self
            .docker()
            .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
            .await
        {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(source) => Err(EngineError::request(
                format!("remove volume {name}"),
                source,
            )),
        }
    }
}
