//! What `up`, `build`, `plan` and `restart` share: load the manifest, work out the
//! desired state, observe the engine, plan, and show engine events while work runs.

use std::collections::BTreeSet;
use std::future::Future;

use tokio::sync::mpsc::unbounded_channel;

use crate::build::ca::ca_bundle;
use crate::cli::{ProgressChoice, RunArgs};
use crate::commands::project::load_manifest;
use crate::engine::build::BuildRequest;
use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::up::{ServiceRun, UpRequest};
use crate::error::Error;
use crate::event::Events;
use crate::manifest::project::Manifest;
use crate::plan::desired::{Desired, desired};
use crate::plan::plan::{Observed, Plan, Presence, plan};
use crate::settings::Settings;
use crate::ui::progress::{Mode, Progress};

/// A loaded project with its desired and observed state.
pub(crate) struct Session {
    pub(crate) manifest: Manifest,
    pub(crate) desired: Desired,
    pub(crate) engine: Engine,
    pub(crate) observed: Observed,
    pub(crate) plan: Plan,
}

impl Session {
    pub(crate) async fn open(settings: &Settings) -> Result<Session, Error> {
        let manifest = load_manifest(settings)?;
        let ca = ca_bundle(&settings.cwd, &settings.ca_certs, &manifest)?;
        let desired = desired(&manifest, &ca)?;
        let engine = Engine::connect(&settings.env).await?;
        let images: BTreeSet<String> = desired
            .services
            .values()
            .map(|d| d.spec.image.clone())
            .collect();
        let observed = engine
            .observe(&desired.project, &desired.network, &images)
            .await?;
        let volumes: Vec<String> = desired
            .volumes
            .iter()
            .map(|(full, _)| full.clone())
            .collect();
        let plan = plan(
            &desired.project,
            &desired.network,
            &volumes,
            &desired.services,
            &observed,
        );
        Ok(Session {
            manifest,
            desired,
            engine,
            observed,
            plan,
        })
    }

    /// Services in start order.
    pub(crate) fn order(&self) -> Vec<String> {
        self.plan
            .services
            .iter()
            .map(|s| s.service.clone())
            .collect()
    }

    /// Pulls the images of `image:` services the engine does not have.
    pub(crate) async fn pull_missing(&self) -> Result<(), EngineError> {
        for (name, service) in &self.manifest.services {
            if let crate::manifest::service::Source::Image(image) = &service.source
                && !self.observed.images.contains(image)
            {
                self.engine.pull(name, image).await?;
            }
        }
        Ok(())
    }

    /// The builds the plan needs, contexts moved out of the desired state.
    pub(crate) fn builds(&mut self) -> Vec<BuildRequest> {
        let wanted: Vec<String> = self
            .plan
            .builds
            .iter()
            .filter(|b| !b.cached)
            .map(|b| b.service.clone())
            .collect();
        wanted
            .into_iter()
            .filter_map(|name| {
                let context = self.desired.contexts.remove(&name)?;
                let service = &self.manifest.services[&name];
                Some(BuildRequest {
                    project: self.desired.project.clone(),
                    service: name.clone(),
                    tag: self.desired.services[&name].spec.image.clone(),
                    context,
                    args: service.build.args.clone(),
                })
            })
            .collect()
    }

    /// The engine's work order for `up`.
    pub(crate) fn up_request(&mut self, jobs: usize) -> UpRequest {
        let mut builds: std::collections::BTreeMap<String, BuildRequest> = self
            .builds()
            .into_iter()
            .map(|b| (b.service.clone(), b))
            .collect();
        let services = self
            .plan
            .services
            .iter()
            .map(|step| {
                let desired = &self.desired.services[&step.service];
                ServiceRun {
                    spec: desired.spec.clone(),
                    action: step.action.clone(),
                    existing: self
                        .observed
                        .containers
                        .get(&step.service)
                        .map(|c| c.id.clone()),
                    build: builds.remove(&step.service),
                    depends_on: desired.depends_on.clone(),
                    health: self.manifest.services[&step.service].health.clone(),
                }
            })
            .collect();
        UpRequest {
            project: self.desired.project.clone(),
            network: self.desired.network.clone(),
            create_network: self.plan.network.1 == Presence::Create,
            create_volumes: self
                .desired
                .volumes
                .iter()
                .filter(|(full, _)| !self.observed.volumes.contains(full))
                .cloned()
                .collect(),
            services,
            jobs,
        }
    }
}

/// The progress mode the user asked for.
pub(crate) fn mode(settings: &Settings, choice: ProgressChoice) -> Mode {
    match choice {
        ProgressChoice::Auto if settings.interactive => Mode::Bars,
        ProgressChoice::Auto | ProgressChoice::Plain => Mode::Plain,
        ProgressChoice::Tty => Mode::Bars,
        ProgressChoice::Json => Mode::Json,
    }
}

/// Runs `work` while its events are shown; Ctrl-C interrupts it.
pub(crate) async fn with_progress<T, F, Fut>(
    settings: &Settings,
    args: &RunArgs,
    services: &[String],
    work: F,
) -> Result<(T, Progress), Error>
where
    F: FnOnce(Events) -> Fut,
    Fut: Future<Output = Result<T, EngineError>>,
{
    let progress = Progress::new(mode(settings, args.progress), settings.color, services);
    let (tx, rx) = unbounded_channel();
    let ui = tokio::spawn(progress.run(rx));
    let result = tokio::select! {
        result = work(tx) => result,
        _ = tokio::signal::ctrl_c() => Err(EngineError::Interrupted),
    };
    // The work future, and with it every sender, is gone: the ui drains and stops.
    let progress = ui.await.expect("the progress task does not panic");
    Ok((result?, progress))
}
