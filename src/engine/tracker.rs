//! What one `up` has done to each service so far, shared by its service tasks: which
//! container each has, whether this run started it, whether it is ready. It tells which
//! deaths matter, what a failed run shows for each service, and what an interrupted run
//! must stop.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One service's progress in this run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    /// The container the service runs in now (kept, or created by this run).
    pub(crate) container: Option<String>,
    pub(crate) task: bool,
    /// The container was running and is left alone.
    pub(crate) kept: bool,
    /// This run started the container (created, recreated or restarted it).
    pub(crate) started: bool,
    pub(crate) ready: bool,
    /// What its health check said last, while it was not yet ready.
    pub(crate) probe: Option<String>,
}

/// The progress of every service of one run; clones share it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracker(Arc<Mutex<BTreeMap<String, Progress>>>);

impl Tracker {
    /// A tracker for these services (in display order), none of them begun.
    pub(crate) fn new(services: &[String]) -> Tracker {
        let all = services
            .iter()
            .map(|s| (s.clone(), Progress::default()))
            .collect();
        Tracker(Arc::new(Mutex::new(all)))
    }

    fn update(&self, service: &str, change: impl FnOnce(&mut Progress)) {
        let mut all = self
            .0
            .lock()
            .expect("no task panics while holding the tracker");
        change(all.entry(service.to_string()).or_default());
    }

    /// The service's container is `id`; from now on its death counts.
    pub(crate) fn container(&self, service: &str, id: &str, task: bool) {
        self.update(service, |p| {
            p.container = Some(id.to_string());
            p.task = task;
        });
    }

    /// The service keeps its running container `id`.
    pub(crate) fn kept(&self, service: &str, id: &str, task: bool) {
        self.update(service, |p| {
            p.container = Some(id.to_string());
            p.task = task;
            p.kept = true;
        });
    }

    /// This run is about to start the service's container: recorded first, so an
    /// interrupted start is stopped too.
    pub(crate) fn starting(&self, service: &str) {
        self.update(service, |p| p.started = true);
    }

    /// The service's check failed with `error` (kept for a report on a deadline).
    pub(crate) fn probed(&self, service: &str, error: String) {
        self.update(service, |p| p.probe = Some(error));
    }

    pub(crate) fn ready(&self, service: &str) {
        self.update(service, |p| p.ready = true);
    }

    /// Every service's progress, by name.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, Progress> {
        self.0
            .lock()
            .expect("no task panics while holding the tracker")
            .clone()
    }

    /// The service whose current, long-running container is `id`: a death of it is a
    /// failure. Old containers (replaced by a recreate) and tasks do not count.
    pub(crate) fn watched(&self, id: &str) -> Option<String> {
        self.snapshot()
            .into_iter()
            .find(|(_, p)| !p.task && p.container.as_deref() == Some(id))
            .map(|(service, _)| service)
    }
}
