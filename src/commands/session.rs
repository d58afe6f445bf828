//! What `up`, `build`, `plan` and `restart` share: load the manifest, work out the
//! desired state, observe the engine and plan; and the project's lock, which every command
//! that changes the project holds from before it observes until it is done.

use std::collections::BTreeSet;

use crate::build::ca::ca_bundle;
use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::engine::lock::{Holder, Lock, lock_name};
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::manifest::project::Manifest;
use crate::plan::desired::{Desired, desired_for};
use crate::plan::mode::{RunMode, explain_switch};
use crate::plan::plan::{Observed, Plan, plan};
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// A loaded project with its desired and observed state.
pub(crate) struct Session {
    pub(crate) desired: Desired,
    pub(crate) engine: Engine,
    pub(crate) observed: Observed,
    pub(crate) plan: Plan,
}

impl Session {
    /// The session, without the lock: for reading (`plan`).
    pub(crate) async fn open(settings: &Settings) -> Result<Session, Error> {
        let desired = load_desired(settings)?;
        let engine = Engine::connect(&settings.env).await?;
        Session::observe(desired, engine).await
    }

    /// The session, observed once the project's lock is held, so no other stack changes
    /// the project between what this one sees and what it does.
    pub(crate) async fn open_locked(
        settings: &Settings,
        printer: &Printer,
        interrupts: &Interrupts,
        command: &str,
    ) -> Result<(Session, Lock), Error> {
        let desired = load_desired(settings)?;
        Session::open_locked_for(desired, settings, printer, interrupts, command).await
    }

    /// The session of a desired state worked out already (watch's, in its mode), observed
    /// once the project's lock is held.
    pub(crate) async fn open_locked_for(
        desired: Desired,
        settings: &Settings,
        printer: &Printer,
        interrupts: &Interrupts,
        command: &str,
    ) -> Result<(Session, Lock), Error> {
        let engine = Engine::connect(&settings.env).await?;
        let lock = lock_project(&engine, &desired.project, command, printer, interrupts).await?;
        match Session::observe(desired, engine).await {
            Ok(session) => Ok((session, lock)),
            Err(error) => {
                lock.release().await;
                Err(error)
            }
        }
    }

    async fn observe(desired: Desired, engine: Engine) -> Result<Session, Error> {
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
        let mut plan = plan(
            &desired.project,
            &desired.network,
            &volumes,
            &desired.services,
            &observed,
        );
        explain_switch(
            &mut plan,
            desired.mode,
            &desired.other_mode_command,
            &observed,
        );
        Ok(Session {
            desired,
            engine,
            observed,
            plan,
        })
    }

    /// Looks at the engine again and plans anew (after `restart` stopped services).
    pub(crate) async fn observe_again(self) -> Result<Session, Error> {
        Session::observe(self.desired, self.engine).await
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

fn load_desired(settings: &Settings) -> Result<Desired, Error> {
    desired_of(settings, &load_manifest(settings)?, RunMode::Production)
}

/// The desired state of `manifest` in `mode`, trusting the extra CA certificates.
pub(crate) fn desired_of(
    settings: &Settings,
    manifest: &Manifest,
    mode: RunMode,
) -> Result<Desired, Error> {
    let ca = ca_bundle(&settings.cwd, &settings.ca_certs, manifest)?;
    desired_for(manifest, &ca, mode)
}

/// Takes `project`'s lock for `command`, saying whom it waits for while another stack
/// holds it; a signal while waiting ends the wait.
pub(crate) async fn lock_project(
    engine: &Engine,
    project: &str,
    command: &str,
    printer: &Printer,
    interrupts: &Interrupts,
) -> Result<Lock, Error> {
    let waiting = |holder: &Holder| printer.status(&waiting_for(project, holder));
    interrupts
        .or_interrupted(engine.lock(project, command, &waiting))
        .await
}

/// `waiting for another stack up of shop (pid 4242)`.
fn waiting_for(project: &str, holder: &Holder) -> String {
    let Holder {
        command,
        pid,
        host,
        since,
        here,
    } = holder;
    if *here {
        format!("waiting for another stack {command} of {project} (pid {pid})")
    } else {
        format!(
            "waiting for another stack {command} of {project} (pid {pid} on {host}, since {since}); if it is gone, `docker rm {}` frees the project",
            lock_name(project)
        )
    }
}
