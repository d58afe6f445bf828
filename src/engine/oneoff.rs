//! A one-off container: a command run in a service's image on the project network
//! (`stack ci --in SERVICE`), its output passed through, its exit code returned, and the
//! container removed whatever happened.

use std::collections::HashMap;
use std::future::Future;

use bollard::models::{ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig};
use bollard::query_parameters::{AttachContainerOptionsBuilder, CreateContainerOptionsBuilder};
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::error::{EngineError, request_failed};
use crate::engine::exec::Sink;
use crate::plan::spec::label;

/// What to run, where.
pub(crate) struct OneOff {
    pub(crate) project: String,
    /// The service whose image it runs: its label, so `down` takes the container too.
    pub(crate) service: String,
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) network: String,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) argv: Vec<String>,
}

/// How a one-off command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    Exited(i64),
    /// `stop` resolved first: the container was stopped.
    Stopped,
}

impl Engine {
    /// Runs `oneoff` to its end, or until `stop` resolves (then stops it); removes it.
    pub(crate) async fn run_oneoff(
        &self,
        oneoff: &OneOff,
        sink: Sink<'_>,
        stop: impl Future<Output = ()>,
    ) -> Result<Ended, EngineError> {
        let id = self.create_oneoff(oneoff).await?;
        let result = self.attach_and_wait(&id, &oneoff.name, sink, stop).await;
        let removed = self.remove_container(&id).await;
        let ended = result?;
        removed?;
        Ok(ended)
    }

    async fn create_oneoff(&self, oneoff: &OneOff) -> Result<String, EngineError> {
        let body = ContainerCreateBody {
            image: Some(oneoff.image.clone()),
            cmd: Some(oneoff.argv.clone()),
            env: Some(oneoff.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: Some(HashMap::from([
                (label::PROJECT.to_string(), oneoff.project.clone()),
                (label::SERVICE.to_string(), oneoff.service.clone()),
                (label::TASK.to_string(), "true".to_string()),
            ])),
            host_config: Some(HostConfig {
                init: Some(true),
                network_mode: Some(oneoff.network.clone()),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    oneoff.network.clone(),
                    EndpointSettings::default(),
                )])),
            }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default()
            .name(&oneoff.name)
            .build();
        self.docker()
            .create_container(Some(options), body)
            .await
            .map(|created| created.id)
            .map_err(request_failed(format!("create container {}", oneoff.name)))
    }

    /// Attaches before starting, so no output is missed; then waits for the exit code.
    async fn attach_and_wait(
        &self,
        id: &str,
        name: &str,
        sink: Sink<'_>,
        stop: impl Future<Output = ()>,
    ) -> Result<Ended, EngineError> {
        let options = AttachContainerOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .stream(true)
            .logs(true)
            .build();
        let mut attached = self
            .docker()
            .attach_container(id, Some(options))
            .await
            .map_err(request_failed(format!("attach to container {name}")))?;
        self.start_container(id).await?;
        let output = async {
            while let Some(Ok(chunk)) = attached.output.next().await {
                match chunk {
                    bollard::container::LogOutput::StdErr { message } => sink(true, &message),
                    bollard::container::LogOutput::StdOut { message }
                    | bollard::container::LogOutput::Console { message } => sink(false, &message),
                    bollard::container::LogOutput::StdIn { .. } => {}
                }
            }
        };
        tokio::select! {
            () = output => {}
            () = stop => {
                self.stop_container(id, STOP_TIMEOUT).await?;
                return Ok(Ended::Stopped);
            }
        }
        let mut waited = self
            .docker()
            .wait_container(id, None::<bollard::query_parameters::WaitContainerOptions>);
        match waited.next().await {
            Some(Ok(response)) => Ok(Ended::Exited(response.status_code)),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                Ok(Ended::Exited(code))
            }
            Some(Err(source)) => Err(EngineError::request(
                format!("wait for container {name}"),
                source,
            )),
            None => Err(EngineError::Lost {
                action: format!("wait for container {name}"),
                source: None,
            }),
        }
    }
}
