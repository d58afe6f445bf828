//! The plan turned into the engine's work order: what to pull, build, create and start,
//! with everything each step needs. Pure data; the engine executes it.

use std::collections::BTreeMap;

use crate::build::context::BuildContext;
use crate::manifest::health::Health;
use crate::plan::desired::Desired;
use crate::plan::plan::{ContainerAction, Observed, Plan};
use crate::plan::spec::ContainerSpec;

/// One image to build.
#[derive(Clone, Debug)]
pub(crate) struct BuildRequest {
    pub(crate) project: String,
    pub(crate) service: String,
    pub(crate) tag: String,
    pub(crate) context: BuildContext,
    pub(crate) args: BTreeMap<String, String>,
    /// Build every step again, without the engine's layer cache (`build --no-cache`).
    pub(crate) no_cache: bool,
    /// The stage to build instead of the last one.
    pub(crate) target: Option<String>,
}

/// Everything needed to bring one service up.
#[derive(Clone, Debug)]
pub(crate) struct ServiceRun {
    pub(crate) spec: ContainerSpec,
    pub(crate) action: ContainerAction,
    /// The existing container, for keep, start and recreate.
    pub(crate) existing: Option<String>,
    /// Present when the image must be built first.
    pub(crate) build: Option<BuildRequest>,
    /// The image of an `image:` service the engine does not have yet.
    pub(crate) pull: bool,
    pub(crate) depends_on: Vec<String>,
    pub(crate) health: Option<Health>,
}

/// A whole `up`.
#[derive(Clone, Debug)]
pub(crate) struct UpRequest {
    pub(crate) project: String,
    pub(crate) network: String,
    /// (full name, name in the manifest) of volumes to create.
    pub(crate) create_volumes: Vec<(String, String)>,
    /// In start order.
    pub(crate) services: Vec<ServiceRun>,
    /// Parallel builds.
    pub(crate) jobs: usize,
}

/// How to get one service's image: build it, pull it, or neither (it is here).
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageWork {
    pub(crate) build: Option<BuildRequest>,
    /// The ready-made image to pull.
    pub(crate) pull: Option<String>,
}

impl Plan {
    /// Takes `service` out of the plan (no container of its own is created or started)
    /// and returns what getting its image takes: `run` gives it a one-off container
    /// instead.
    pub(crate) fn take_image(&mut self, desired: &mut Desired, service: &str) -> ImageWork {
        let build = self
            .builds
            .iter()
            .find(|b| b.service == service && !b.cached)
            .and_then(|_| build_request(desired, service, false));
        let pull = self
            .pulls
            .iter()
            .find(|p| p.service == service)
            .map(|p| p.image.clone());
        self.builds.retain(|b| b.service != service);
        self.pulls.retain(|p| p.service != service);
        self.services.retain(|s| s.service != service);
        ImageWork { build, pull }
    }

    /// The builds the plan needs, their contexts moved out of the desired state.
    pub(crate) fn build_requests(&self, desired: &mut Desired) -> Vec<BuildRequest> {
        self.builds_of(desired, false)
    }

    /// The builds of `build`: with `no_cache`, every built service's image is built again,
    /// up to date or not, without the layer cache.
    pub(crate) fn builds_of(&self, desired: &mut Desired, no_cache: bool) -> Vec<BuildRequest> {
        self.builds
            .iter()
            .filter(|b| no_cache || !b.cached)
            .filter_map(|b| build_request(desired, &b.service, no_cache))
            .collect()
    }

    /// The engine's work order for `up`: the plan's steps with their specs, builds and pulls.
    pub(crate) fn up_request(
        &self,
        mut desired: Desired,
        observed: &Observed,
        jobs: usize,
    ) -> UpRequest {
        let mut builds: BTreeMap<String, BuildRequest> = self
            .build_requests(&mut desired)
            .into_iter()
            .map(|b| (b.service.clone(), b))
            .collect();
        let services = self
            .services
            .iter()
            .map(|step| {
                let wanted = &desired.services[&step.service];
                ServiceRun {
                    spec: wanted.spec.clone(),
                    action: step.action.clone(),
                    existing: observed.containers.get(&step.service).map(|c| c.id.clone()),
                    build: builds.remove(&step.service),
                    pull: self.pulls.iter().any(|p| p.service == step.service),
                    depends_on: wanted.depends_on.clone(),
                    health: wanted.health.clone(),
                }
            })
            .collect();
        UpRequest {
            project: desired.project.clone(),
            network: desired.network.clone(),
            create_volumes: desired
                .volumes
                .iter()
                .filter(|(full, _)| !observed.volumes.contains(full))
                .cloned()
                .collect(),
            services,
            jobs,
        }
    }
}

/// The build of `service`'s image, its context moved out of the desired state.
fn build_request(desired: &mut Desired, service: &str, no_cache: bool) -> Option<BuildRequest> {
    let context = desired.contexts.remove(service)?;
    let wanted = &desired.services[service];
    Some(BuildRequest {
        project: desired.images.clone(),
        service: service.to_string(),
        tag: wanted.spec.image.clone(),
        context,
        args: wanted.build_args.clone(),
        no_cache,
        target: wanted.build_target.clone(),
    })
}
