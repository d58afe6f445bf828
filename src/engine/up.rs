//! Bringing a project up: one task per service that builds (bounded), waits for its own
//! dependencies, starts its container and waits until it is healthy (tasks: exited 0).
//!
//! Services form a DAG, not levels: each starts the moment its own dependencies are ready.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::health::{Probe, backoff};
use crate::event::{Event, Events};
use crate::plan::plan::ContainerAction;
use crate::plan::request::{ServiceRun, UpRequest};

/// How many log lines a failure report shows.
const FAILURE_LOG_LINES: usize = 20;

/// A service that is up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ready {
    pub(crate) service: String,
    pub(crate) container: String,
    pub(crate) url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    Ready,
    Failed,
}

impl Engine {
    /// Fails before anything is created when a fixed host port is taken by someone else.
    pub(crate) fn check_ports(&self, request: &UpRequest) -> Result<(), EngineError> {
        for run in &request.services {
            // A kept or recreated container holds its own port; that is not a conflict.
            if !matches!(run.action, ContainerAction::Create | ContainerAction::Start) {
                continue;
            }
            let Some(publish) = &run.spec.publish else {
                continue;
            };
            let Some(port) = publish.host_port else {
                continue;
            };
            if TcpListener::bind((publish.host_ip.as_str(), port)).is_err() {
                return Err(EngineError::PortInUse {
                    service: run.spec.service.clone(),
                    host_ip: publish.host_ip.clone(),
                    port,
                });
            }
        }
        Ok(())
    }

    pub(crate) async fn up(
        &self,
        request: UpRequest,
        events: &Events,
    ) -> Result<Vec<Ready>, EngineError> {
        self.check_ports(&request)?;
        self.prepare_network(&request, events).await?;
        self.prepare_volumes(&request, events).await?;
        self.run_services(request, events).await
    }

    /// Creates the project's network, unless it exists; someone else's is refused.
    async fn prepare_network(
        &self,
        request: &UpRequest,
        events: &Events,
    ) -> Result<(), EngineError> {
        if !request.create_network {
            return Ok(());
        }
        match self.network_owner(&request.network).await? {
            None => {
                self.create_network(&request.project, &request.network)
                    .await?;
                let _ = events.send(Event::NetworkCreated {
                    name: request.network.clone(),
                });
                Ok(())
            }
            Some(Some(owner)) if owner == request.project => Ok(()),
            Some(_) => Err(EngineError::Foreign {
                what: "network",
                name: request.network.clone(),
                project: request.project.clone(),
            }),
        }
    }

    /// Creates the named volumes the project lacks; a same-named foreign one is refused.
    async fn prepare_volumes(
        &self,
        request: &UpRequest,
        events: &Events,
    ) -> Result<(), EngineError> {
        for (name, short) in &request.create_volumes {
            if self.volume_exists(name).await? {
                return Err(EngineError::Foreign {
                    what: "volume",
                    name: name.clone(),
                    project: request.project.clone(),
                });
            }
            self.create_volume(&request.project, name, short).await?;
            let _ = events.send(Event::VolumeCreated { name: name.clone() });
        }
        Ok(())
    }

    /// One task per service, each told through a watch channel when its dependencies are
    /// ready or failed. Returns the ready services, or the root cause of the first failure.
    async fn run_services(
        &self,
        request: UpRequest,
        events: &Events,
    ) -> Result<Vec<Ready>, EngineError> {
        let builds = Arc::new(Semaphore::new(request.jobs.max(1)));
        let mut senders = BTreeMap::new();
        let mut receivers = BTreeMap::new();
        for run in &request.services {
            let (tx, rx) = watch::channel(Status::Pending);
            senders.insert(run.spec.service.clone(), tx);
            receivers.insert(run.spec.service.clone(), rx);
        }
        let mut tasks = JoinSet::new();
        for run in request.services {
            let deps: Vec<(String, watch::Receiver<Status>)> = run
                .depends_on
                .iter()
                .filter_map(|d| receivers.get(d).map(|rx| (d.clone(), rx.clone())))
                .collect();
            let done = senders
                .remove(&run.spec.service)
                .expect("one sender per service");
            let engine = self.clone();
            let events = events.clone();
            let builds = builds.clone();
            tasks.spawn(async move {
                let result = engine.run_service(run, deps, builds, &events).await;
                let _ = done.send(if result.is_ok() {
                    Status::Ready
                } else {
                    Status::Failed
                });
                result
            });
        }
        let mut ready = Vec::new();
        let mut dependency_failure = None;
        while let Some(joined) = tasks.join_next().await {
            match joined.expect("service tasks do not panic") {
                Ok(service) => ready.push(service),
                // Report the root cause, not the services that were waiting on it.
                Err(error @ EngineError::DependencyFailed { .. }) => {
                    dependency_failure.get_or_insert(error);
                }
                Err(error) => {
                    tasks.abort_all();
                    return Err(error);
                }
            }
        }
        match dependency_failure {
            Some(error) => Err(error),
            None => Ok(ready),
        }
    }

    /// One service: its image, its dependencies, its container, then ready.
    async fn run_service(
        &self,
        run: ServiceRun,
        deps: Vec<(String, watch::Receiver<Status>)>,
        builds: Arc<Semaphore>,
        events: &Events,
    ) -> Result<Ready, EngineError> {
        let emit = |event: Event| {
            let _ = events.send(event);
        };
        self.obtain_image(&run, &builds, &emit).await?;
        wait_for_dependencies(&run, deps, &emit).await?;
        let started = Instant::now();
        let container = self.place_container(&run, &emit).await?;
        self.become_ready(&run, container, started, &emit).await
    }

    /// Pulls or builds the service's image when the plan says so.
    async fn obtain_image(
        &self,
        run: &ServiceRun,
        builds: &Semaphore,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        if run.pull {
            self.pull(&run.spec.service, &run.spec.image, emit).await?;
        }
        if let Some(build) = run.build.clone() {
            let _permit = builds
                .acquire()
                .await
                .expect("the build semaphore is never closed");
            self.build(build, emit).await?;
        }
        Ok(())
    }

    /// Keeps, starts, recreates or creates the container as planned; returns its id.
    async fn place_container(
        &self,
        run: &ServiceRun,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<String, EngineError> {
        let service = || run.spec.service.clone();
        let id = match (&run.action, &run.existing) {
            (ContainerAction::Keep, Some(id)) => {
                emit(Event::ContainerUnchanged { service: service() });
                return Ok(id.clone());
            }
            (ContainerAction::Start, Some(id)) => id.clone(),
            (ContainerAction::Recreate { changed }, Some(old)) => {
                self.remove_container(old).await?;
                let id = self.create_container(&run.spec).await?;
                emit(Event::ContainerRecreated {
                    service: service(),
                    reason: format!("{} changed", changed.join(", ")),
                });
                id
            }
            _ => {
                let id = self.create_container(&run.spec).await?;
                emit(Event::ContainerCreated { service: service() });
                id
            }
        };
        self.start_container(&id).await?;
        emit(Event::ContainerStarted { service: service() });
        Ok(id)
    }

    /// Waits until the container counts as ready: a task exited 0, a kept service still
    /// running, or a started one answering its check.
    async fn become_ready(
        &self,
        run: &ServiceRun,
        container: String,
        started: Instant,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<Ready, EngineError> {
        let service = run.spec.service.clone();
        if run.spec.task {
            if run.action != ContainerAction::Keep {
                let code = self.wait_exit(&container).await;
                if code != 0 {
                    return Err(EngineError::Crashed {
                        service,
                        exit_code: code,
                        task: true,
                        logs: self.tail_logs(&container, FAILURE_LOG_LINES).await,
                    });
                }
            }
            emit(Event::Completed {
                service: service.clone(),
                took: started.elapsed(),
            });
            return Ok(Ready {
                service,
                container,
                url: None,
            });
        }
        if run.action == ContainerAction::Keep {
            // Running and unchanged: a no-op `up` trusts it rather than probing again, so
            // it stays fast at any size; `stack ps` probes when asked.
            let port = run.spec.publish.as_ref().map(|p| p.container_port);
            let state = self
                .container_state(&container, port, &run.spec.network)
                .await?;
            if state.running {
                let url = published_address(run, state.host_port).map(|a| format!("http://{a}"));
                return Ok(Ready {
                    service,
                    container,
                    url,
                });
            }
        }
        let url = self.wait_healthy(run, &container).await?;
        emit(Event::Healthy {
            service: service.clone(),
            url: url.clone(),
            checked: run.health.is_some(),
            took: started.elapsed(),
        });
        Ok(Ready {
            service,
            container,
            url,
        })
    }

    /// Waits for the container to stop and returns its exit code.
    async fn wait_exit(&self, container: &str) -> i64 {
        let mut stream = self.docker().wait_container(
            container,
            None::<bollard::query_parameters::WaitContainerOptions>,
        );
        match stream.next().await {
            Some(Ok(response)) => response.status_code,
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            // The wait itself failed (engine gone): ask once more for the recorded code.
            _ => self
                .container_state(container, None, "")
                .await
                .ok()
                .and_then(|s| s.exit_code)
                .unwrap_or(-1),
        }
    }

    /// Polls the service's probe until it passes, the container exits, or the timeout.
    async fn wait_healthy(
        &self,
        run: &ServiceRun,
        container: &str,
    ) -> Result<Option<String>, EngineError> {
        let service = &run.spec.service;
        let port = run.spec.publish.as_ref().map(|p| p.container_port);
        let state = self
            .container_state(container, port, &run.spec.network)
            .await?;
        let address = published_address(run, state.host_port);
        let url = address.as_ref().map(|a| format!("http://{a}"));
        let probe = run
            .health
            .as_ref()
            .and_then(|h| Probe::new(&h.check, address.clone(), container).map(|p| (h, p)));
        let Some((health, probe)) = probe else {
            // Nothing to probe: running is ready, unless it already stopped.
            if !state.running {
                return Err(self
                    .crashed(run, container, state.exit_code.unwrap_or(-1))
                    .await);
            }
            return Ok(url);
        };
        let deadline = Instant::now() + health.timeout;
        let exited = self.wait_exit(container);
        tokio::pin!(exited);
        let mut delays = backoff(
            probe
                .poll_cap()
                .min(health.interval.max(Duration::from_millis(10))),
        );
        let mut last_error;
        loop {
            tokio::select! {
                code = &mut exited => return Err(self.crashed(run, container, code).await),
                result = self.probe(&probe) => match result {
                    Ok(()) => return Ok(url),
                    Err(error) => last_error = error,
                },
            }
            if Instant::now() >= deadline {
                return Err(EngineError::Unhealthy {
                    service: service.clone(),
                    timeout: health.timeout,
                    last_error,
                    logs: self.tail_logs(container, FAILURE_LOG_LINES).await,
                });
            }
            let delay = delays.next().expect("backoff never ends");
            tokio::select! {
                code = &mut exited => return Err(self.crashed(run, container, code).await),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn crashed(&self, run: &ServiceRun, container: &str, exit_code: i64) -> EngineError {
        EngineError::Crashed {
            service: run.spec.service.clone(),
            exit_code,
            task: false,
            logs: self.tail_logs(container, FAILURE_LOG_LINES).await,
        }
    }
}

/// Waits until every dependency is ready; a failed one fails this service too.
async fn wait_for_dependencies(
    run: &ServiceRun,
    deps: Vec<(String, watch::Receiver<Status>)>,
    emit: &(dyn Fn(Event) + Sync),
) -> Result<(), EngineError> {
    let service = &run.spec.service;
    let waiting: Vec<String> = deps
        .iter()
        .filter(|(_, rx)| *rx.borrow() != Status::Ready)
        .map(|(name, _)| name.clone())
        .collect();
    if !waiting.is_empty() && run.action != ContainerAction::Keep {
        emit(Event::Waiting {
            service: service.clone(),
            on: waiting,
        });
    }
    for (name, mut rx) in deps {
        let failed = || EngineError::DependencyFailed {
            dependent: service.clone(),
            dependency: name.clone(),
        };
        loop {
            let status = *rx.borrow_and_update();
            match status {
                Status::Ready => break,
                Status::Failed => return Err(failed()),
                Status::Pending => {
                    if rx.changed().await.is_err() {
                        return Err(failed());
                    }
                }
            }
        }
    }
    Ok(())
}

/// `127.0.0.1:49153`: where the host reaches a service's published port.
fn published_address(run: &ServiceRun, host_port: Option<u16>) -> Option<String> {
    Some(run.spec.publish.as_ref()?.address(host_port?))
}
