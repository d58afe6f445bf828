//! `stack watch` and `stack up --watch`: bring the stack up with each interpreted
//! service's reloader on, then apply every saved edit as the smallest update that is
//! correct (copy into the running container, restart it, or rebuild only that service),
//! until Ctrl-C stops the stack the way a foreground `up` does.
//!
//! While watching, the engine's events stay watched: a container that dies is reported,
//! and a service still down when watching ends fails the command, as in `up`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use tokio::sync::mpsc::unbounded_channel;
use tokio::task::{JoinHandle, JoinSet};

use crate::build::context::DockerfileSource;
use crate::cli::RunArgs;
use crate::commands::project::{load_manifest, manifest_files};
use crate::commands::session::{Scope, Session, desired_of};
use crate::commands::up::{bring_up, orphan_warning};
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::error::EngineError;
use crate::engine::lock::Lock;
use crate::engine::supervise::Death;
use crate::engine::tracker::Tracker;
use crate::error::Error;
use crate::event::{Event, Events};
use crate::interrupts::Interrupts;
use crate::manifest::load::DOTENV;
use crate::manifest::project::Manifest;
use crate::plan::desired::Desired;
use crate::plan::plan::{ContainerAction, DesiredService};
use crate::plan::request::UpRequest;
use crate::plan::spec::container_name;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;
use crate::watch::apply::{Applied, Expected, Target};
use crate::watch::rules::{Defaults, Effect, ServiceWatch};
use crate::watch::tree::{files_in, kept_dirs};
use crate::watch::update::updates;
use crate::watch::watcher::{Batch, Watcher};

/// `stack watch` (`logs`: false) and `stack up --watch` (`logs`: true, beside the updates).
pub(crate) async fn watch(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    run: &RunArgs,
    logs: bool,
) -> Result<(), Error> {
    let started = SystemTime::now();
    let interrupts = interrupts.claim();
    let manifest = load_manifest(settings)?;
    let desired = desired_of(settings, manifest.clone(), &Scope::watch())?;
    let (session, lock) = Session::open_locked_for(
        desired,
        settings,
        printer,
        &interrupts,
        "watch",
        &Scope::watch(),
    )
    .await?;
    let project = session.desired.project.clone();
    let order = session.order();
    let engine = session.engine.clone();
    let services = session.desired.services.clone();
    let sources = session.desired.sources.clone();
    // Containers this run creates hold exactly what is on disk; kept ones may hold what
    // an earlier watch copied in since.
    let fresh: BTreeSet<String> = session
        .plan
        .services
        .iter()
        .filter(|s| {
            matches!(
                s.action,
                ContainerAction::Create | ContainerAction::Recreate { .. }
            )
        })
        .map(|s| s.service.clone())
        .collect();
    let brought = bring_up(settings, printer, &interrupts, session, run).await;
    lock.release().await;
    let outcome = brought?;
    let watches = service_watches(&manifest, &sources)?;
    let watcher = Watcher::new().map_err(|error| Error::Usage {
        message: format!("cannot watch files: {error}"),
        hint: Some("check the inotify limits (`sysctl fs.inotify`)".to_string()),
    })?;
    let expected = Expected::default();
    let live = Live {
        settings,
        printer,
        interrupts: &interrupts,
        engine: engine.clone(),
        project: project.clone(),
        jobs: run.jobs,
        inputs: inputs(settings, &manifest),
        manifest,
        services,
        watches,
        watcher,
        expected: expected.clone(),
        logs: logs.then(|| Logs {
            tasks: JoinSet::new(),
            followed: BTreeSet::new(),
            since: started
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .ok(),
        }),
    };
    let crashes: Mutex<Vec<Death>> = Mutex::new(Vec::new());
    let display = Display::new(run.progress, settings).lines();
    let still_down = display
        .show(&order, |events| {
            let (crashes, engine, project) = (&crashes, &engine, &project);
            let (interrupts, supervisor) = (&interrupts, &outcome.supervisor);
            async move {
                let deaths = supervisor.deaths();
                let claims = |death: &Death| expected.claims(death);
                let exits = engine.report_exits(deaths, outcome.seen, &events, crashes, &claims);
                tokio::select! {
                    lost = exits => return Err(Error::from(lost)),
                    result = live.run(&events, &fresh) => result?,
                }
                let still_down = still_down(engine, project, crashes).await;
                printer.status("stopping (Ctrl-C again to kill)");
                tokio::select! {
                    result = engine.stop_services(project, &[], STOP_TIMEOUT, &events) => result?,
                    () = interrupts.second() => {
                        engine.stop_services(project, &[], 0, &events).await?;
                        return Err(interrupts.interrupted());
                    }
                }
                Ok(still_down)
            }
        })
        .await?;
    drop(outcome.supervisor);
    match still_down {
        Some(death) => Err(engine
            .crashed(&death.service, &death.id, &death.exit, false)
            .await
            .into()),
        None => Ok(()),
    }
}

/// The first service that crashed while watching and is still down (a later update may
/// have brought it back).
async fn still_down(engine: &Engine, project: &str, crashes: &Mutex<Vec<Death>>) -> Option<Death> {
    let crashed: Vec<Death> = crashes
        .lock()
        .expect("never poisoned: nothing panics while holding it")
        .clone();
    for death in crashed {
        let name = container_name(project, &death.service);
        let running = engine
            .container_state(&name, None, "")
            .await
            .is_ok_and(|state| state.running);
        if !running {
            return Some(death);
        }
    }
    None
}

/// How each service of `manifest` follows its files.
fn service_watches(
    manifest: &Manifest,
    sources: &BTreeMap<String, DockerfileSource>,
) -> Result<Vec<ServiceWatch>, Error> {
    manifest
        .services
        .values()
        .map(|service| {
            ServiceWatch::new(
                service,
                sources.get(&service.name),
                &manifest.ca_certificates,
            )
            .map_err(|source| Error::Context {
                service: service.name.clone(),
                source,
            })
        })
        .collect()
}

/// The files the manifest is read from: stack.yaml, its override, the `.env` file (or
/// the `--env-file`s). A change to one of them plans the project again.
fn inputs(settings: &Settings, manifest: &Manifest) -> BTreeSet<PathBuf> {
    let mut files: Vec<PathBuf> = manifest_files(settings).unwrap_or_default();
    if settings.env_files.is_empty() {
        files.push(manifest.root.join(DOTENV));
    } else {
        files.extend(settings.env_files.iter().map(|f| settings.cwd.join(f)));
    }
    // As events name them: through the folder's real path.
    files
        .into_iter()
        .filter_map(|file| {
            let dir = file.parent()?.canonicalize().ok()?;
            Some(dir.join(file.file_name()?))
        })
        .collect()
}

/// Log streams of a `stack up --watch`, one per service, started as services appear.
struct Logs {
    tasks: JoinSet<()>,
    followed: BTreeSet<String>,
    /// Unix seconds when the command began: lines since then are shown.
    since: Option<f64>,
}

/// A watching session: what runs, how it is watched, and the watches.
struct Live<'a> {
    settings: &'a Settings,
    printer: &'a Printer,
    interrupts: &'a Interrupts,
    engine: Engine,
    project: String,
    jobs: usize,
    manifest: Manifest,
    /// What each service's container runs now.
    services: BTreeMap<String, DesiredService>,
    watches: Vec<ServiceWatch>,
    /// The manifest's own files.
    inputs: BTreeSet<PathBuf>,
    watcher: Watcher,
    expected: Expected,
    logs: Option<Logs>,
}

impl Live<'_> {
    /// Watches until the first signal; an error only when the engine is lost.
    async fn run(mut self, events: &Events, fresh: &BTreeSet<String>) -> Result<(), Error> {
        let started = Instant::now();
        self.rewatch();
        self.follow_logs(events);
        self.initial_sync(fresh, events).await?;
        let _ = events.send(Event::Watching {
            services: self
                .watches
                .iter()
                .filter(|w| !w.roots().is_empty())
                .map(|w| w.service.clone())
                .collect(),
            folders: self.watcher.len(),
            took: started.elapsed(),
        });
        let interrupts = self.interrupts;
        loop {
            let batch = tokio::select! {
                () = interrupts.first() => break,
                batch = self.watcher.next() => batch,
            };
            let Some(batch) = batch else { break };
            tokio::select! {
                () = interrupts.first() => {
                    // The update is dropped where it was, holding the lock maybe.
                    self.engine.release_own_lock(&self.project).await;
                    break;
                }
                result = self.apply(batch, events) => result?,
            }
        }
        if let Some(logs) = &mut self.logs {
            logs.tasks.shutdown().await;
        }
        Ok(())
    }

    /// Whether any service follows something in the folder `path`.
    fn wants_dir(&self, path: &Path) -> bool {
        self.watches.iter().any(|w| w.wants_dir(path))
    }

    /// Watches exactly the folders the services and the manifest need now.
    fn rewatch(&mut self) {
        let mut dirs = BTreeSet::new();
        for root in self.watches.iter().flat_map(ServiceWatch::roots) {
            if !dirs.contains(&root) {
                dirs.extend(kept_dirs(&root, &|p| self.wants_dir(p)));
            }
        }
        dirs.extend(
            self.inputs
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf)),
        );
        for error in self.watcher.watch_exactly(&dirs) {
            self.printer.warn(&error);
        }
    }

    /// Starts following the logs of services not followed yet.
    fn follow_logs(&mut self, events: &Events) {
        let Some(logs) = &mut self.logs else { return };
        let new: Vec<String> = self
            .services
            .keys()
            .filter(|s| !logs.followed.contains(*s))
            .cloned()
            .collect();
        if new.is_empty() {
            return;
        }
        logs.followed.extend(new.iter().cloned());
        let (engine, project, events, since) = (
            self.engine.clone(),
            self.project.clone(),
            events.clone(),
            logs.since,
        );
        logs.tasks.spawn(async move {
            engine
                .logs(&project, &new, None, since, true, &events)
                .await;
        });
    }

    /// Copies in what the containers may lack: every `sync` rule's files (a new
    /// container has only its image), and the synced files of a kept container that may
    /// differ from its image. A kept container's image was built from the files on disk
    /// (its content hash says so), so only what an earlier watch copied into it can be
    /// stale, and the host file changed since (back, most often): the files modified
    /// after the container was created are copied again, not the whole tree, which keeps
    /// starting fast on a big one. (A file put back with an old modification time, as
    /// `cp -p` does, is missed until it is saved again.)
    async fn initial_sync(&self, fresh: &BTreeSet<String>, events: &Events) -> Result<(), Error> {
        let mut kept = BTreeMap::new();
        for watch in &self.watches {
            if fresh.contains(&watch.service) || !matches!(watch.defaults, Defaults::Sync { .. }) {
                continue;
            }
            let name = container_name(&self.project, &watch.service);
            // Not known: every synced file is copied. The margin covers an engine whose
            // clock runs ahead of this machine's (a VM's).
            let since = self
                .engine
                .created_at(&name)
                .await
                .ok()
                .and_then(|created| created.checked_sub(CLOCK_MARGIN));
            kept.insert(watch.service.clone(), since);
        }
        let all: BTreeSet<String> = self.services.keys().cloned().collect();
        self.copy_in(&kept, &all, events).await
    }

    /// Copies files into running containers: the synced tree of the `kept` services (only
    /// the files modified since the time given, when given), the files of the `sync`
    /// rules of the `rules` services. Nothing restarts and no command runs: the containers may
    /// well hold these files already.
    async fn copy_in(
        &self,
        kept: &BTreeMap<String, Option<SystemTime>>,
        rules: &BTreeSet<String>,
        events: &Events,
    ) -> Result<(), Error> {
        let mut pending = Vec::new();
        for watch in &self.watches {
            let tree = kept.get(&watch.service);
            let rule_paths = if rules.contains(&watch.service) {
                watch.sync_rule_paths()
            } else {
                Vec::new()
            };
            if tree.is_none() && rule_paths.is_empty() {
                continue;
            }
            let by_rule = |file: &Path| rule_paths.iter().any(|r| file.starts_with(r));
            let mut dirs = BTreeSet::new();
            for root in watch.roots() {
                dirs.extend(kept_dirs(&root, &|p| watch.wants_dir(p)));
            }
            let modified_since = |file: &Path, since: SystemTime| {
                // Unreadable: copied, and the copy says why.
                std::fs::metadata(file)
                    .and_then(|m| m.modified())
                    .map_or(true, |modified| modified >= since)
            };
            let files: Vec<PathBuf> = files_in(&dirs)
                .into_iter()
                .filter(|f| match tree {
                    Some(Some(since)) => by_rule(f) || modified_since(f, *since),
                    Some(None) => true,
                    None => by_rule(f),
                })
                .filter(|f| matches!(watch.effect(f), Some(Effect::Sync { .. })))
                .collect();
            let root = &self.manifest.root;
            for mut update in updates(std::slice::from_ref(watch), &files, root, |_| true) {
                update.restart = None;
                update.exec.clear();
                if !update.is_empty() {
                    pending.push(update);
                }
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        let (quiet, forwarder) = quiet(events);
        let target = self.target(&quiet);
        for update in pending {
            let desired = self.services.get(&update.service);
            target.apply(update, desired).await?;
        }
        drop(quiet);
        let _ = forwarder.await;
        Ok(())
    }

    /// `desired` against the engine, under the project's lock.
    async fn open(&self, desired: Desired) -> Result<(Session, Lock), Error> {
        Session::open_locked_for(
            desired,
            self.settings,
            self.printer,
            self.interrupts,
            "watch",
            &Scope::watch(),
        )
        .await
    }

    fn target<'t>(&'t self, events: &'t Events) -> Target<'t> {
        Target {
            engine: &self.engine,
            project: &self.project,
            events,
            expected: &self.expected,
        }
    }

    /// Applies one batch of changes.
    async fn apply(&mut self, mut batch: Batch, events: &Events) -> Result<(), Error> {
        for error in &batch.errors {
            self.printer.warn(&format!("watching files: {error}"));
        }
        // A folder that appeared is watched if kept; what it holds counts as changed,
        // since its files may have been written before its watch existed.
        if !batch.new_dirs.is_empty() {
            let mut kept = BTreeSet::new();
            for dir in &batch.new_dirs {
                kept.extend(kept_dirs(dir, &|p| self.wants_dir(p)));
            }
            for error in self.watcher.add(kept.iter().cloned()) {
                self.printer.warn(&error);
            }
            batch.paths.extend(files_in(&kept));
        }
        let gone: Vec<PathBuf> = batch
            .paths
            .iter()
            .filter(|p| self.watcher.watches(p) && !p.exists())
            .cloned()
            .collect();
        for dir in &gone {
            self.watcher.forget(dir);
        }
        if let Some(input) = batch.paths.iter().find(|p| self.inputs.contains(*p)) {
            let shown = input
                .strip_prefix(&self.manifest.root)
                .unwrap_or(input)
                .display()
                .to_string();
            return self.replan(&shown, events).await;
        }
        let paths: Vec<PathBuf> = if batch.rescan {
            // The kernel dropped events: every followed file may have changed.
            let mut dirs = BTreeSet::new();
            for root in self.watches.iter().flat_map(ServiceWatch::roots) {
                dirs.extend(kept_dirs(&root, &|p| self.wants_dir(p)));
            }
            files_in(&dirs)
        } else {
            batch.paths.into_iter().collect()
        };
        let updates = updates(&self.watches, &paths, &self.manifest.root, Path::exists);
        let (rebuilds, in_place): (Vec<_>, Vec<_>) =
            updates.into_iter().partition(|u| u.rebuild.is_some());
        let mut rebuild: Vec<Rebuild> = rebuilds
            .into_iter()
            .filter_map(|u| {
                Some(Rebuild {
                    service: u.service,
                    reason: u.rebuild?,
                    recreate: false,
                })
            })
            .collect();
        if !in_place.is_empty() {
            let (quiet, forwarder) = quiet(events);
            let target = self.target(&quiet);
            let applied = join_all(in_place.into_iter().map(|update| {
                let desired = self.services.get(&update.service);
                let service = update.service.clone();
                let target = &target;
                async move { (service, target.apply(update, desired).await) }
            }))
            .await;
            drop(quiet);
            let _ = forwarder.await;
            for (service, result) in applied {
                // What could not be done in place is done on a new container.
                if let Applied::Rebuild(reason) = result? {
                    rebuild.push(Rebuild {
                        service,
                        reason,
                        recreate: true,
                    });
                }
            }
        }
        if !rebuild.is_empty() {
            self.rebuild(rebuild, events).await?;
        }
        Ok(())
    }

    /// Builds the services' images again and recreates only their containers, each on
    /// its own so one failed build does not stop the others. A failed build leaves the
    /// container from before running, and says so.
    async fn rebuild(&mut self, wanted: Vec<Rebuild>, events: &Events) -> Result<(), Error> {
        for rebuild in &wanted {
            let _ = events.send(Event::Rebuilding {
                service: rebuild.service.clone(),
                reason: rebuild.reason.clone(),
            });
        }
        let desired = match desired_of(self.settings, self.manifest.clone(), &Scope::watch()) {
            Ok(desired) => desired,
            Err(error) => {
                for rebuild in &wanted {
                    let _ = events.send(Event::UpdateFailed {
                        service: rebuild.service.clone(),
                        message: error.to_string(),
                        detail: Vec::new(),
                        kept: true,
                    });
                }
                return Ok(());
            }
        };
        let (session, lock) = self.open(desired).await?;
        let Session {
            desired,
            observed,
            plan,
            ..
        } = session;
        let fresh_services = desired.services.clone();
        let request = plan.up_request(desired, &observed, self.jobs);
        let runs: Vec<_> = request
            .services
            .into_iter()
            .filter_map(|mut run| {
                let wanted = wanted.iter().find(|w| w.service == run.spec.service)?;
                if wanted.recreate
                    && matches!(run.action, ContainerAction::Keep | ContainerAction::Start)
                {
                    run.action = ContainerAction::Recreate {
                        changed: vec!["files".to_string()],
                    };
                }
                Some(run)
            })
            .collect();
        let (quiet, forwarder) = quiet(events);
        let (engine, expected, jobs) = (&self.engine, &self.expected, self.jobs);
        let results = join_all(runs.into_iter().map(|run| {
            let service = run.spec.service.clone();
            if let (ContainerAction::Recreate { .. }, Some(old)) = (&run.action, &run.existing) {
                expected.add(old);
            }
            let request = UpRequest {
                project: request.project.clone(),
                network: request.network.clone(),
                create_volumes: Vec::new(),
                services: vec![run],
                jobs,
            };
            let quiet = &quiet;
            let project = &self.project;
            async move {
                let tracker = Tracker::new(std::slice::from_ref(&service));
                let result = engine.up(request, quiet, &tracker).await;
                if let Ok(outcome) = &result {
                    engine.clean_up_images(project, outcome, quiet).await;
                }
                (service, result)
            }
        }))
        .await;
        drop(quiet);
        let _ = forwarder.await;
        lock.release().await;
        let mut recreated = BTreeSet::new();
        for (service, result) in results {
            match result {
                Ok(_) => {
                    if let Some(now) = fresh_services.get(&service) {
                        self.services.insert(service.clone(), now.clone());
                    }
                    recreated.insert(service);
                }
                Err(error @ EngineError::Lost { .. }) => return Err(error.into()),
                Err(error) => failed(events, &service, &error),
            }
        }
        // A new container holds its image's files: the rules' ones go in again.
        self.copy_in(&BTreeMap::new(), &recreated, events).await
    }

    /// A manifest file changed: load it again, plan, and apply what changed (the services
    /// whose containers differ, nothing else). An invalid manifest is reported and the
    /// last valid one stays in force.
    async fn replan(&mut self, file: &str, events: &Events) -> Result<(), Error> {
        let _ = events.send(Event::Replanning {
            file: file.to_string(),
        });
        let loaded = load_manifest(self.settings).and_then(|manifest| {
            let desired = desired_of(self.settings, manifest.clone(), &Scope::watch())?;
            let watches = service_watches(&manifest, &desired.sources)?;
            Ok((manifest, desired, watches))
        });
        let (manifest, desired, watches) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                self.printer.error(&error);
                self.printer
                    .status("still watching, as stack.yaml was before: fix it and save again");
                return Ok(());
            }
        };
        if manifest.name != self.project {
            self.printer.warn(&format!(
                "the project's name changed to `{}`: stop watching and run stack again to move to it",
                manifest.name
            ));
            return Ok(());
        }
        let now = desired.services.clone();
        let (session, lock) = self.open(desired).await?;
        for orphan in &session.plan.orphans {
            self.printer.warn(&orphan_warning(orphan));
        }
        let Session {
            desired,
            observed,
            plan,
            ..
        } = session;
        let mut request = plan.up_request(desired, &observed, self.jobs);
        request
            .services
            .retain(|run| run.action != ContainerAction::Keep);
        for run in &request.services {
            if let (ContainerAction::Recreate { .. }, Some(old)) = (&run.action, &run.existing) {
                self.expected.add(old);
            }
        }
        let names: Vec<String> = request
            .services
            .iter()
            .map(|r| r.spec.service.clone())
            .collect();
        let result = if names.is_empty() {
            Ok(())
        } else {
            let (quiet, forwarder) = quiet(events);
            let tracker = Tracker::new(&names);
            let result = self.engine.up(request, &quiet, &tracker).await;
            if let Ok(outcome) = &result {
                self.engine
                    .clean_up_images(&self.project, outcome, &quiet)
                    .await;
            }
            let result = result.map(|_| ());
            drop(quiet);
            let _ = forwarder.await;
            result
        };
        lock.release().await;
        match result {
            Ok(()) => {}
            Err(error @ EngineError::Lost { .. }) => return Err(error.into()),
            Err(error) => match error.service().map(str::to_string) {
                Some(service) => failed(events, &service, &error),
                None => self.printer.error(&error.into()),
            },
        }
        self.manifest = manifest;
        self.services = now;
        self.watches = watches;
        self.rewatch();
        self.follow_logs(events);
        let recreated: BTreeSet<String> = names.into_iter().collect();
        self.copy_in(&BTreeMap::new(), &recreated, events).await
    }
}

/// How far the engine's clock may run ahead of this machine's for the start's sync: a
/// file modified this long before its container was created is copied again anyway.
const CLOCK_MARGIN: Duration = Duration::from_secs(60);

/// A service to build again (when stack builds it) and recreate.
struct Rebuild {
    service: String,
    /// What asked for it: `requirements.txt changed`.
    reason: String,
    /// Recreate the container even when its image and configuration are unchanged: its
    /// files could not be updated in place.
    recreate: bool,
}

/// Says that an update of `service` failed, and whether its container from before
/// still runs (a build that failed replaced nothing).
fn failed(events: &Events, service: &str, error: &EngineError) {
    let (_, detail) = error.details();
    let _ = events.send(Event::UpdateFailed {
        service: service.to_string(),
        message: error.summary(),
        detail: detail.to_vec(),
        kept: matches!(
            error,
            EngineError::BuildFailed { .. } | EngineError::PullFailed { .. }
        ),
    });
}

/// A sender that passes events on to `events`, except the last lines a failed `up`
/// gives each service: watch says itself what failed, and goes on. Drop the sender, then
/// await the task, to have every event passed on.
fn quiet(events: &Events) -> (Events, JoinHandle<()>) {
    let (sender, mut receiver) = unbounded_channel::<Event>();
    let out = events.clone();
    let task = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if !matches!(
                event,
                Event::Failed { .. } | Event::NotStarted { .. } | Event::NotReady { .. }
            ) {
                let _ = out.send(event);
            }
        }
    });
    (sender, task)
}
