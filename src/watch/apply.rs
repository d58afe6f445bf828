//! Applying an update to a service's running container in place: files copied in and
//! deleted, then a restart (through `up`'s verdict, so the service counts as back once its
//! check passes) or a command. What cannot be done in place asks for a rebuild instead.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::error::EngineError;
use crate::engine::supervise::Death;
use crate::engine::sync::{Copy, SyncError};
use crate::engine::tracker::Tracker;
use crate::event::{Event, Events};
use crate::plan::plan::{ContainerAction, DesiredService};
use crate::plan::request::{ServiceRun, UpRequest};
use crate::plan::spec::container_name;
use crate::watch::update::Update;

/// Containers watch stops or replaces on purpose: their deaths are not crashes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expected(Arc<Mutex<HashSet<String>>>);

impl Expected {
    pub(crate) fn add(&self, id: &str) {
        self.0
            .lock()
            .expect("never poisoned: nothing panics while holding it")
            .insert(id.to_string());
    }

    /// Whether `death` was expected (each is expected once).
    pub(crate) fn claims(&self, death: &Death) -> bool {
        self.0
            .lock()
            .expect("never poisoned: nothing panics while holding it")
            .remove(&death.id)
    }
}

/// How an update went.
#[derive(Debug)]
pub(crate) enum Applied {
    Done,
    /// It could not be done in place: rebuild the service, for this reason.
    Rebuild(String),
}

/// What applying updates needs.
pub(crate) struct Target<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) project: &'a str,
    pub(crate) events: &'a Events,
    pub(crate) expected: &'a Expected,
}

impl Target<'_> {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Copies and deletes the update's files, then restarts or runs its commands. `desired`
    /// is what the service's container runs (for a restart). Only a lost engine is an
    /// error; every other failure is reported and watching goes on.
    pub(crate) async fn apply(
        &self,
        update: Update,
        desired: Option<&DesiredService>,
    ) -> Result<Applied, EngineError> {
        let service = update.service.clone();
        let name = container_name(self.project, &service);
        if !update.copies.is_empty() || !update.deletes.is_empty() {
            match self.copy(&name, update.copies, update.deletes).await {
                Ok((files, deleted)) => self.emit(Event::Synced {
                    service: service.clone(),
                    files,
                    deleted,
                }),
                Err(SyncError::Engine(error @ EngineError::Lost { .. })) => return Err(error),
                Err(error @ (SyncError::Gone | SyncError::NoRm | SyncError::Stopped)) => {
                    return Ok(Applied::Rebuild(error.to_string()));
                }
                Err(error) => {
                    self.emit(Event::UpdateFailed {
                        service,
                        message: error.to_string(),
                        detail: Vec::new(),
                        kept: true,
                    });
                    return Ok(Applied::Done);
                }
            }
        }
        let running = self
            .engine
            .container_state(&name, None, "")
            .await
            .is_ok_and(|state| state.running);
        // A reloader that died on a broken file is not there to see the fixed one.
        let restart = match (update.restart, running) {
            (Some(reason), _) => Some(reason),
            (None, false) => Some("it had stopped".to_string()),
            (None, true) => None,
        };
        if let (Some(reason), Some(desired)) = (restart, desired) {
            let Some(id) = self.engine.container_id(&name).await? else {
                return Ok(Applied::Rebuild(SyncError::Gone.to_string()));
            };
            self.emit(Event::Restarting {
                service: service.clone(),
                reason,
            });
            if let Err(error) = self.restart(id, desired).await {
                if let EngineError::Lost { .. } = error {
                    return Err(error);
                }
                let (_, detail) = error.details();
                self.emit(Event::UpdateFailed {
                    service: service.clone(),
                    message: error.summary(),
                    detail: detail.to_vec(),
                    kept: false,
                });
                return Ok(Applied::Done);
            }
        }
        for argv in update.exec {
            let (exit_code, lines) = match self.engine.exec_capture(&name, &argv).await {
                Ok(done) => done,
                Err(error @ EngineError::Lost { .. }) => return Err(error),
                Err(error) => (-1, vec![error.to_string()]),
            };
            let keep = lines.len().saturating_sub(10);
            self.emit(Event::Executed {
                service: service.clone(),
                command: shell_words::join(&argv),
                exit_code,
                output: if exit_code == 0 {
                    Vec::new()
                } else {
                    lines[keep..].to_vec()
                },
            });
        }
        Ok(Applied::Done)
    }

    async fn copy(
        &self,
        container: &str,
        copies: Vec<Copy>,
        deletes: Vec<String>,
    ) -> Result<(usize, usize), SyncError> {
        self.engine.sync(container, copies, deletes).await
    }

    /// Stops the container and starts it again, then waits until it is ready as `up`
    /// does (`healthy in 0.8s`).
    async fn restart(&self, id: String, desired: &DesiredService) -> Result<(), EngineError> {
        self.expected.add(&id);
        self.engine.stop_container(&id, STOP_TIMEOUT).await?;
        let run = ServiceRun {
            spec: desired.spec.clone(),
            action: ContainerAction::Start,
            existing: Some(id),
            build: None,
            pull: false,
            depends_on: Vec::new(),
            health: desired.health.clone(),
        };
        let request = UpRequest {
            project: self.project.to_string(),
            network: desired.spec.network.clone(),
            create_volumes: Vec::new(),
            services: vec![run],
            jobs: 1,
        };
        let tracker = Tracker::new(std::slice::from_ref(&desired.spec.service));
        self.engine
            .up(request, self.events, &tracker)
            .await
            .map(|_| ())
    }
}
