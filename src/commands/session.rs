//! What `up`, `build`, `plan` and `restart` share: load the manifest, work out the
//! desired state, observe the engine and plan.

use std::collections::BTreeSet;

use crate::build::ca::ca_bundle;
use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::plan::desired::{Desired, desired};
use crate::plan::plan::{Observed, Plan, plan};
use crate::settings::Settings;

/// A loaded project with its desired and observed state.
pub(crate) struct Session {
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
}
