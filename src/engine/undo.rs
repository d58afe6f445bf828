//! Ending an interrupted `up`: what this run started is stopped again, what it only kept
//! stays as it was, and every service's line says which.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::join_all;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::tracker::Tracker;
use crate::event::{Event, Events};

/// How long, and how often, to look for a start that was already on its way to the
/// engine when the run was stopped, and landed after the stop.
const LATE_STARTS: (Duration, usize) = (Duration::from_millis(200), 5);

impl Engine {
    /// Stops every container this run started (SIGTERM, then SIGKILL after `timeout`
    /// seconds); `order` is the services' display order.
    pub(crate) async fn undo(
        &self,
        project: &str,
        order: &[String],
        tracker: &Tracker,
        timeout: i32,
        events: &Events,
    ) -> Result<(), EngineError> {
        let progress = tracker.snapshot();
        let started: BTreeSet<String> = progress
            .values()
            .filter(|p| p.started)
            .filter_map(|p| p.container.clone())
            .collect();
        self.stop_all(started.iter(), timeout).await?;
        let (pause, tries) = LATE_STARTS;
        for _ in 0..tries {
            tokio::time::sleep(pause).await;
            let containers = self.project_containers(project).await?;
            let late: Vec<&String> = containers
                .iter()
                .filter(|c| c.running() && started.contains(&c.id))
                .map(|c| &c.id)
                .collect();
            if late.is_empty() {
                break;
            }
            self.stop_all(late.into_iter(), timeout).await?;
        }
        for service in order {
            let state = progress.get(service).cloned().unwrap_or_default();
            let event = if state.task && state.ready {
                // A task that ran to completion: nothing to stop.
                continue;
            } else if state.started {
                Event::Interrupted {
                    service: service.clone(),
                    stopped: true,
                }
            } else if state.kept && state.ready {
                continue;
            } else if state.kept {
                Event::Interrupted {
                    service: service.clone(),
                    stopped: false,
                }
            } else {
                Event::NotStarted {
                    service: service.clone(),
                    reason: "interrupted".to_string(),
                }
            };
            let _ = events.send(event);
        }
        Ok(())
    }

    async fn stop_all(
        &self,
        ids: impl Iterator<Item = &String>,
        timeout: i32,
    ) -> Result<(), EngineError> {
        join_all(ids.map(|id| self.stop_container(id, timeout)))
            .await
            .into_iter()
            .collect()
    }
}
