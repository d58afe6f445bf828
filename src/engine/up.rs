//! Bringing a project up: one task per service that builds (bounded), creates its
//! container at once, waits for its own dependencies, starts it and waits until it is
//! ready (`ready.rs`). Services form a DAG, not levels: each starts the moment its own
//! dependencies are ready.
//!
//! While the tasks run, the engine's events are watched (`supervise.rs`): the death of any
//! service's container before `up` returns fails it, whichever task is running then.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::ready::{Status, Work};
use crate::engine::supervise::{Deaths, Exit, Supervisor};
use crate::engine::tracker::Tracker;
use crate::event::{Event, Events};
use crate::plan::plan::ContainerAction;
use crate::plan::request::UpRequest;

/// How many log lines a failure report shows.
pub(crate) const FAILURE_LOG_LINES: usize = 20;

/// A service that is up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ready {
    pub(crate) service: String,
    pub(crate) container: String,
    pub(crate) url: Option<String>,
}

/// A successful `up`: the services, and the watch on them, which a foreground `up` keeps
/// reading from where `up` stopped (`seen` deaths were already accounted for).
pub(crate) struct UpOutcome {
    pub(crate) ready: Vec<Ready>,
    pub(crate) supervisor: Supervisor,
    pub(crate) seen: usize,
    /// The services whose images this run built, for `clean_up_images`.
    pub(crate) built: Vec<String>,
    /// When every service was ready.
    pub(crate) ready_at: Instant,
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

    /// Brings the request's services up. `tracker` records what was done, for the caller
    /// to undo when it stops the run early.
    pub(crate) async fn up(
        &self,
        request: UpRequest,
        events: &Events,
        tracker: &Tracker,
    ) -> Result<UpOutcome, EngineError> {
        self.check_ports(&request)?;
        // Watching starts before anything is created, so no death goes unseen.
        let supervisor = self.supervise(&request.project, SystemTime::now());
        let order: Vec<String> = request
            .services
            .iter()
            .map(|r| r.spec.service.clone())
            .collect();
        let built: Vec<String> = request
            .services
            .iter()
            .filter(|r| r.build.is_some())
            .map(|r| r.spec.service.clone())
            .collect();
        let result = async {
            self.prepare_network(&request, events).await?;
            self.prepare_volumes(&request, events).await?;
            self.run_services(request, events, tracker, supervisor.deaths())
                .await
        }
        .await;
        match result {
            Ok((ready, seen)) => Ok(UpOutcome {
                ready,
                supervisor,
                seen,
                built,
                ready_at: Instant::now(),
            }),
            Err(error) => {
                report_unfinished(&order, tracker, &error, events);
                Err(error)
            }
        }
    }

    /// Removes the older images of the services `outcome` built (the newest few kept).
    /// Run once the verdict is given, outside any timeout or signal race: it is not part
    /// of being ready, and nobody should wait on it.
    pub(crate) async fn clean_up_images(
        &self,
        project: &str,
        outcome: &UpOutcome,
        events: &Events,
    ) {
        let emit = |event| {
            let _ = events.send(event);
        };
        join_all(
            outcome
                .built
                .iter()
                .map(|service| self.remove_older_images(project, service, &emit)),
        )
        .await;
    }

    /// Creates the project's network, unless it exists; someone else's is refused. Copies
    /// that concurrent runs of older versions left are removed (they make the name
    /// ambiguous to the engine).
    async fn prepare_network(
        &self,
        request: &UpRequest,
        events: &Events,
    ) -> Result<(), EngineError> {
        let networks = self.networks_named(&request.network).await?;
        if let Some(foreign) = networks.iter().find(|n| n.project != request.project) {
            return Err(EngineError::Foreign {
                what: "network",
                name: foreign.name.clone(),
                project: request.project.clone(),
            });
        }
        match networks.split_first() {
            None => {
                self.create_network(&request.project, &request.network)
                    .await?;
                let _ = events.send(Event::NetworkCreated {
                    name: request.network.clone(),
                });
            }
            Some((_kept, duplicates)) => {
                for duplicate in duplicates {
                    self.remove_network(&duplicate.id, &duplicate.name).await?;
                }
            }
        }
        Ok(())
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
    /// ready or failed; meanwhile every death of a service's container is a failure.
    /// Returns the ready services and how many deaths were looked at, or the root cause of
    /// the first failure.
    async fn run_services(
        &self,
        request: UpRequest,
        events: &Events,
        tracker: &Tracker,
        mut deaths: Deaths,
    ) -> Result<(Vec<Ready>, usize), EngineError> {
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
            let work = Work {
                engine: self.clone(),
                events: events.clone(),
                tracker: tracker.clone(),
                deaths: deaths.clone(),
                builds: builds.clone(),
            };
            tasks.spawn(async move {
                let result = work.run_service(run, deps).await;
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
        let mut checked = 0;
        loop {
            tokio::select! {
                joined = tasks.join_next() => match joined {
                    None => break,
                    Some(joined) => match joined.expect("service tasks do not panic") {
                        Ok(service) => ready.push(service),
                        // Report the root cause, not the services that were waiting on it.
                        Err(error @ EngineError::DependencyFailed { .. }) => {
                            dependency_failure.get_or_insert(error);
                        }
                        // Dropping the set aborts the other tasks.
                        Err(error) => return Err(error),
                    },
                },
                changed = deaths.changed() => {
                    let seen = deaths.now();
                    if let Some(lost) = seen.lost() {
                        return Err(lost);
                    }
                    if changed.is_err() {
                        return Err(EngineError::Lost {
                            action: "watch the project's containers".to_string(),
                            source: None,
                        });
                    }
                    for death in &seen.deaths[checked..] {
                        if let Some(service) = tracker.watched(&death.id) {
                            return Err(self.crashed(&service, &death.id, &death.exit, false).await);
                        }
                    }
                    checked = seen.deaths.len();
                }
            }
        }
        if let Some(error) = dependency_failure {
            return Err(error);
        }
        let checked = deaths.now().deaths.len().max(checked);
        self.all_still_running(&request.project, tracker).await?;
        Ok((ready, checked))
    }

    /// The last word before `up` says yes: every long-running container it counted as
    /// ready is still running, whatever the event stream has or has not said yet.
    async fn all_still_running(&self, project: &str, tracker: &Tracker) -> Result<(), EngineError> {
        let containers = self.project_containers(project).await?;
        for (service, progress) in tracker.snapshot() {
            let Some(id) = progress.container.filter(|_| !progress.task) else {
                continue;
            };
            let stopped = containers
                .iter()
                .find(|c| c.id == id)
                .is_none_or(|c| !c.running());
            if stopped {
                let code = containers
                    .iter()
                    .find(|c| c.id == id)
                    .and_then(|c| c.exit_code())
                    .unwrap_or(-1);
                let exit = Exit {
                    code,
                    oom: false,
                    signal: None,
                };
                return Err(self.crashed(&service, &id, &exit, false).await);
            }
        }
        Ok(())
    }

    /// The error for a container that stopped, with its last log lines.
    pub(crate) async fn crashed(
        &self,
        service: &str,
        container: &str,
        exit: &Exit,
        task: bool,
    ) -> EngineError {
        EngineError::Crashed {
            service: service.to_string(),
            exit_code: exit.code,
            oom: exit.oom,
            task,
            logs: self.tail_logs(container, FAILURE_LOG_LINES).await,
        }
    }
}

impl Engine {
    /// The error for a deadline that passed: every service not ready, where it stood, what
    /// its check said last, and its last log lines.
    pub(crate) async fn not_ready_in_time(
        &self,
        order: &[String],
        tracker: &Tracker,
        timeout: Duration,
    ) -> EngineError {
        let progress = tracker.snapshot();
        let mut services = Vec::new();
        let mut report = Vec::new();
        for service in order {
            let state = progress.get(service).cloned().unwrap_or_default();
            if state.ready {
                continue;
            }
            let stood = match (&state.container, state.started || state.kept, state.task) {
                (None, _, _) => "not created (its image was not ready)".to_string(),
                (Some(_), false, _) => "not started (waiting for its dependencies)".to_string(),
                (Some(_), true, true) => "task still running".to_string(),
                (Some(_), true, false) => match &state.probe {
                    Some(probe) => format!("running, not healthy; last probe: {probe}"),
                    None => "running, not yet checked".to_string(),
                },
            };
            report.push(format!("`{service}`: {stood}"));
            if let Some(id) = state.container.filter(|_| state.started || state.kept) {
                for line in self.tail_logs(&id, FAILURE_LOG_LINES).await {
                    report.push(format!("  {line}"));
                }
            }
            services.push(service.clone());
        }
        EngineError::NotReadyInTime {
            timeout,
            services,
            report,
        }
    }
}

/// After a failure, one last line for every service that is not ready: the failed one,
/// those never started, and those started but not yet confirmed.
fn report_unfinished(order: &[String], tracker: &Tracker, error: &EngineError, events: &Events) {
    let culprit = error.service();
    let reason = match culprit {
        Some(service) => format!("`{service}` failed"),
        None => error.to_string(),
    };
    let progress = tracker.snapshot();
    for service in order {
        let state = progress.get(service).cloned().unwrap_or_default();
        let event = if culprit == Some(service.as_str()) {
            Event::Failed {
                service: service.clone(),
                message: error.summary(),
            }
        } else if state.ready {
            continue;
        } else if state.started || state.kept {
            Event::NotReady {
                service: service.clone(),
                reason: reason.clone(),
            }
        } else {
            Event::NotStarted {
                service: service.clone(),
                reason: reason.clone(),
            }
        };
        let _ = events.send(event);
    }
}
