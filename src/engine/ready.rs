//! One service's way to ready, run as its own task by `up`: its image, its container
//! (created at once, whatever its dependencies), its dependencies, then start and wait
//! until it counts as ready. Nothing is taken on trust:
//!
//! - a task is ready when it exited 0;
//! - a service with a check when the check passes, a kept one included;
//! - a service without a check when it has stayed up for `SETTLE`;
//! - and a container that stops meanwhile fails at once, with its exit code and logs.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Semaphore, watch};

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::health::{Probe, backoff};
use crate::engine::probe_error::ProbeError;
use crate::engine::supervise::{Deaths, Exit};
use crate::engine::tracker::Tracker;
use crate::engine::up::{FAILURE_LOG_LINES, Ready};
use crate::event::{Event, Events};
use crate::manifest::health::Health;
use crate::plan::mode::recreate_reason;
use crate::plan::plan::ContainerAction;
use crate::plan::request::ServiceRun;

/// How long a service without a health check must stay up before it counts as running:
/// long enough for a program that fails at start-up (a bad flag, a missing file, no
/// database) to have failed.
pub(crate) const SETTLE: Duration = Duration::from_secs(1);

/// Where a service stands, as its dependents see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    Ready,
    Failed,
}

/// What every service task shares.
pub(crate) struct Work {
    pub(crate) engine: Engine,
    pub(crate) events: Events,
    pub(crate) tracker: Tracker,
    pub(crate) deaths: Deaths,
    /// Bounds parallel builds (`--jobs`).
    pub(crate) builds: Arc<Semaphore>,
}

impl Work {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// One service: its image, its container, its dependencies, then ready.
    pub(crate) async fn run_service(
        &self,
        run: ServiceRun,
        deps: Vec<(String, watch::Receiver<Status>)>,
    ) -> Result<Ready, EngineError> {
        let emit = |event: Event| self.emit(event);
        self.engine.obtain_image(&run, &self.builds, &emit).await?;
        let service = run.spec.service.clone();
        if let (ContainerAction::Keep, Some(id)) = (&run.action, &run.existing) {
            // Checked at once, side by side with every other kept service; it counts as
            // ready, and says so, once its dependencies are ready too, so the lines come
            // in dependency order.
            self.tracker.kept(&service, id, run.spec.task);
            let started = Instant::now();
            let (url, ()) = tokio::try_join!(
                self.confirm_ready(&run, id),
                wait_for_dependencies(&run, deps, &emit)
            )?;
            emit(Event::ContainerUnchanged {
                service: service.clone(),
            });
            self.announce(&run, url.clone(), started);
            self.tracker.ready(&service);
            return Ok(Ready {
                service,
                container: id.clone(),
                url,
            });
        }
        let id = self.engine.prepare_container(&run).await?;
        self.tracker.container(&service, &id, run.spec.task);
        wait_for_dependencies(&run, deps, &emit).await?;
        let started = Instant::now();
        self.tracker.starting(&service);
        match &run.action {
            ContainerAction::Create => emit(Event::ContainerCreated {
                service: service.clone(),
            }),
            ContainerAction::Recreate { changed } => emit(Event::ContainerRecreated {
                service: service.clone(),
                reason: recreate_reason(changed),
            }),
            ContainerAction::Start | ContainerAction::Keep => {}
        }
        self.engine.start_container(&id).await?;
        emit(Event::ContainerStarted {
            service: service.clone(),
        });
        let url = self.become_ready(&run, &id, started).await?;
        self.tracker.ready(&service);
        Ok(Ready {
            service,
            container: id,
            url,
        })
    }

    /// Waits until the container counts as ready and says so; returns its URL.
    async fn become_ready(
        &self,
        run: &ServiceRun,
        container: &str,
        started: Instant,
    ) -> Result<Option<String>, EngineError> {
        let url = self.confirm_ready(run, container).await?;
        self.announce(run, url.clone(), started);
        Ok(url)
    }

    /// Waits until the container counts as ready; returns its URL.
    async fn confirm_ready(
        &self,
        run: &ServiceRun,
        container: &str,
    ) -> Result<Option<String>, EngineError> {
        if !run.spec.task {
            return self.until_ready(run, container).await;
        }
        // A kept task is one that already exited 0.
        if run.action != ContainerAction::Keep {
            let exit = self.deaths.exited(container).await?;
            if exit.code != 0 {
                return Err(self
                    .engine
                    .crashed(&run.spec.service, container, &exit, true)
                    .await);
            }
        }
        Ok(None)
    }

    /// Says that the service is ready.
    fn announce(&self, run: &ServiceRun, url: Option<String>, started: Instant) {
        let service = run.spec.service.clone();
        let kept = run.action == ContainerAction::Keep;
        let took = started.elapsed();
        self.emit(if run.spec.task {
            Event::Completed {
                service,
                took,
                kept,
            }
        } else {
            Event::Healthy {
                service,
                url,
                checked: run.health.is_some(),
                took,
                kept,
            }
        });
    }

    /// Probes the running container until its check passes, or, without a check, until
    /// it has been up for `SETTLE`; fails as soon as it stops.
    async fn until_ready(
        &self,
        run: &ServiceRun,
        container: &str,
    ) -> Result<Option<String>, EngineError> {
        let port = run.spec.publish.as_ref().map(|p| p.container_port);
        let state = self
            .engine
            .container_state(container, port, &run.spec.network)
            .await?;
        if !state.running {
            // Stopped before the watch began (a kept container that died since `up`
            // looked): the engine's record says how.
            let exit = Exit {
                code: state.exit_code.unwrap_or(-1),
                oom: state.oom_killed,
                signal: None,
            };
            return Err(self.exit_error(run, container, exit).await);
        }
        let address = published_address(run, state.host_port);
        let url = address.as_ref().map(|a| format!("http://{a}"));
        let probe = run
            .health
            .as_ref()
            .and_then(|h| Probe::new(&h.check, address.clone(), container).map(|p| (h, p)));
        match probe {
            Some((health, probe)) => self.poll(run, container, health, &probe).await?,
            None => {
                let up_for = state
                    .started()
                    .and_then(|at| SystemTime::now().duration_since(at).ok())
                    .unwrap_or_default();
                let settle = SETTLE.saturating_sub(up_for);
                tokio::select! {
                    exit = self.deaths.exited(container) => {
                        return Err(self.exit_error(run, container, exit?).await);
                    }
                    () = tokio::time::sleep(settle) => {}
                }
            }
        }
        Ok(url)
    }

    /// Polls the probe until it passes, the container stops, or the check's timeout.
    async fn poll(
        &self,
        run: &ServiceRun,
        container: &str,
        health: &Health,
        probe: &Probe,
    ) -> Result<(), EngineError> {
        let deadline = Instant::now() + health.timeout;
        let exited = self.deaths.exited(container);
        tokio::pin!(exited);
        let mut delays = backoff(
            probe
                .poll_cap()
                .min(health.interval.max(Duration::from_millis(10))),
        );
        let mut last_error: ProbeError;
        loop {
            tokio::select! {
                exit = &mut exited => return Err(self.exit_error(run, container, exit?).await),
                result = self.engine.probe(probe) => match result {
                    Ok(()) => return Ok(()),
                    Err(error) => last_error = error,
                },
            }
            if Instant::now() >= deadline {
                return Err(self.unhealthy(run, container, health, last_error).await);
            }
            let delay = delays.next().expect("backoff never ends");
            tokio::select! {
                exit = &mut exited => return Err(self.exit_error(run, container, exit?).await),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn exit_error(&self, run: &ServiceRun, container: &str, exit: Exit) -> EngineError {
        self.engine
            .crashed(&run.spec.service, container, &exit, false)
            .await
    }

    /// The timeout's error, with what listens in the container when the probe could not
    /// even connect: that tells a wrong address or port from a slow start.
    async fn unhealthy(
        &self,
        run: &ServiceRun,
        container: &str,
        health: &Health,
        last_error: ProbeError,
    ) -> EngineError {
        let listening = match last_error {
            ProbeError::Refused { .. } | ProbeError::Closed { .. } => {
                self.engine.listening(container).await
            }
            _ => Vec::new(),
        };
        EngineError::Unhealthy {
            service: run.spec.service.clone(),
            timeout: health.timeout,
            last_error: Box::new(last_error),
            port: run.spec.publish.as_ref().map(|p| p.container_port),
            listening,
            logs: self.engine.tail_logs(container, FAILURE_LOG_LINES).await,
        }
    }
}

impl Engine {
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

    /// The container to start: the existing one, or a new one created now (replacing the
    /// old one on a recreate). Creating does not wait for dependencies: only starting does.
    async fn prepare_container(&self, run: &ServiceRun) -> Result<String, EngineError> {
        match (&run.action, &run.existing) {
            (ContainerAction::Start, Some(id)) => Ok(id.clone()),
            (ContainerAction::Recreate { .. }, Some(old)) => {
                self.remove_container(old).await?;
                self.create_container(&run.spec).await
            }
            _ => self.create_container(&run.spec).await,
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
