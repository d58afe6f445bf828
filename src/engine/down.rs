//! Taking a project down: its containers and network; its volumes only when asked. And
//! the one-service commands that stop, signal or remove containers.

use futures_util::future::join_all;

use crate::engine::client::Engine;
use crate::engine::container::ProjectContainer;
use crate::engine::error::EngineError;
use crate::event::{Event, Events};

/// Seconds a container gets to stop after SIGTERM before it is killed.
pub(crate) const STOP_TIMEOUT: i32 = 10;

impl Engine {
    /// Stops (SIGTERM, then SIGKILL after `stop_timeout` seconds) and removes every
    /// container with the project's label (the one-off ones of `stack run` too), then its
    /// network, then (with `volumes`) its volumes. Objects without the label are never
    /// touched.
    pub(crate) async fn down(
        &self,
        project: &str,
        network: &str,
        volumes: bool,
        stop_timeout: i32,
        events: &Events,
    ) -> Result<(), EngineError> {
        let containers = self.labelled_containers(project).await?;
        self.remove_containers(&containers, stop_timeout, events)
            .await?;
        // By id: copies that concurrent runs of older versions left make the name
        // ambiguous, and every copy with the project's label goes.
        let ours = self.networks_named(network).await?;
        let ours: Vec<_> = ours.into_iter().filter(|n| n.project == project).collect();
        for copy in &ours {
            self.remove_network(&copy.id, network).await?;
        }
        if !ours.is_empty() {
            let _ = events.send(Event::NetworkRemoved {
                name: network.to_string(),
            });
        }
        if volumes {
            for name in self.project_volumes(project).await? {
                self.remove_volume(&name).await?;
                let _ = events.send(Event::VolumeRemoved { name });
            }
        }
        Ok(())
    }

    /// Stops the named services' containers (all when `services` is empty).
    pub(crate) async fn stop_services(
        &self,
        project: &str,
        services: &[String],
        timeout: i32,
        events: &Events,
    ) -> Result<(), EngineError> {
        let containers = self.project_containers(project).await?;
        let stops = containers
            .iter()
            .filter(|c| c.running() && (services.is_empty() || services.contains(&c.service)))
            .map(|container| self.stop_reported(container, timeout, events));
        join_all(stops)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, _>>()?;
        Ok(())
    }

    /// Sends `signal` to the named services' running containers (all when `services` is
    /// empty); returns how many got it.
    pub(crate) async fn kill_services(
        &self,
        project: &str,
        services: &[String],
        signal: &str,
        events: &Events,
    ) -> Result<usize, EngineError> {
        let containers = self.project_containers(project).await?;
        let running: Vec<&ProjectContainer> = containers
            .iter()
            .filter(|c| c.running() && (services.is_empty() || services.contains(&c.service)))
            .collect();
        let kills = running.iter().map(|container| async move {
            self.signal(&container.id, signal).await?;
            let _ = events.send(Event::Signalled {
                service: container.service.clone(),
                signal: signal.to_string(),
            });
            Ok::<(), EngineError>(())
        });
        join_all(kills)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, _>>()?;
        Ok(running.len())
    }

    /// Removes `containers` (stopped ones, or stopped first), each said as it goes.
    pub(crate) async fn remove_containers(
        &self,
        containers: &[ProjectContainer],
        stop_timeout: i32,
        events: &Events,
    ) -> Result<(), EngineError> {
        let removals = containers.iter().map(|container| async move {
            if container.running() {
                self.stop_reported(container, stop_timeout, events).await?;
            }
            self.remove_container(&container.id).await?;
            let _ = events.send(Event::ContainerRemoved {
                service: container.service.clone(),
            });
            Ok::<(), EngineError>(())
        });
        join_all(removals)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, _>>()?;
        Ok(())
    }

    /// Stops one container and says so.
    async fn stop_reported(
        &self,
        container: &ProjectContainer,
        timeout: i32,
        events: &Events,
    ) -> Result<(), EngineError> {
        self.stop_container(&container.id, timeout).await?;
        let _ = events.send(Event::ContainerStopped {
            service: container.service.clone(),
        });
        Ok(())
    }
}
