//! What `up`, `build`, `plan`, `start`, `restart`, `run`, `ci` and `watch` share: load the manifest, work out the
//! desired state, observe the engine and plan; and the project's lock, which every command
//! that changes the project holds from before it observes until it is done.

use std::collections::BTreeSet;

use crate::build::ca::ca_bundle;
use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::engine::lock::{Holder, Lock, lock_name};
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::manifest::project::Manifest;
use crate::plan::desired::{Desired, desired_as};
use crate::plan::mode::{RunMode, explain_switch};
use crate::plan::plan::{Observed, Plan, plan};
use crate::plan::selection::Selection;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// What a command asks of the session beyond the manifest: which services, and how.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub(crate) selection: Selection,
    /// `up --no-build`: a built service whose sources changed runs its newest image.
    pub(crate) no_build: bool,
    /// `up --force-recreate`: every existing container is replaced.
    pub(crate) force_recreate: bool,
    /// `stack ci`: a throwaway copy of the project by this name (see `desired_as`), its
    /// ports all picked afresh, so two copies never collide on a fixed one.
    pub(crate) copy: Option<String>,
    /// `stack watch`: services with a dev command (their framework's reloader) run it.
    pub(crate) mode: RunMode,
}

impl Scope {
    /// Every service, in watch's mode.
    pub(crate) fn watch() -> Scope {
        Scope {
            mode: RunMode::Watch,
            ..Scope::default()
        }
    }

    /// Only the named services (all when none is named), as they are.
    pub(crate) fn only(services: &[String]) -> Scope {
        Scope {
            selection: Selection::only(services),
            ..Scope::default()
        }
    }
}

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
        let scope = Scope::default();
        let desired = load_desired(settings, &scope)?;
        let engine = Engine::connect(&settings.env).await?;
        Session::observe(desired, engine, &scope).await
    }

    /// The session of `scope`'s services, observed once the project's lock is held, so no
    /// other stack changes the project between what this one sees and what it does.
    pub(crate) async fn open_locked(
        settings: &Settings,
        printer: &Printer,
        interrupts: &Interrupts,
        command: &str,
        scope: &Scope,
    ) -> Result<(Session, Lock), Error> {
        let desired = load_desired(settings, scope)?;
        Session::open_locked_for(desired, settings, printer, interrupts, command, scope).await
    }

    /// The session of a desired state worked out already (watch's, from the manifest it
    /// holds), observed once the project's lock is held.
    pub(crate) async fn open_locked_for(
        desired: Desired,
        settings: &Settings,
        printer: &Printer,
        interrupts: &Interrupts,
        command: &str,
        scope: &Scope,
    ) -> Result<(Session, Lock), Error> {
        let engine = Engine::connect(&settings.env).await?;
        let lock = lock_project(&engine, &desired.project, command, printer, interrupts).await?;
        match Session::observe(desired, engine, scope).await {
            Ok(session) => Ok((session, lock)),
            Err(error) => {
                lock.release().await;
                Err(error)
            }
        }
    }

    async fn observe(
        mut desired: Desired,
        engine: Engine,
        scope: &Scope,
    ) -> Result<Session, Error> {
        let images: BTreeSet<String> = desired
            .services
            .values()
            .map(|d| d.spec.image.clone())
            .collect();
        let mut observed = engine
            .observe(&desired.project, &desired.network, &images)
            .await?;
        if scope.no_build {
            use_built_images(&engine, &mut desired, &mut observed).await?;
        }
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
        plan.orphans.retain(|o| !desired.left_out.contains(o));
        if scope.force_recreate {
            plan.recreate_all();
        }
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
        Session::observe(self.desired, self.engine, &Scope::default()).await
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

/// The desired state of the services `scope` selects: the others are not even hashed.
fn load_desired(settings: &Settings, scope: &Scope) -> Result<Desired, Error> {
    desired_of(settings, load_manifest(settings)?, scope)
}

/// The desired state of `manifest`'s services that `scope` selects, in its mode, trusting
/// the extra CA certificates.
pub(crate) fn desired_of(
    settings: &Settings,
    mut manifest: Manifest,
    scope: &Scope,
) -> Result<Desired, Error> {
    for name in scope.selection.named() {
        find_service(&manifest, name)?;
    }
    let left_out = scope.selection.apply(&mut manifest);
    if scope.copy.is_some() {
        for service in manifest.services.values_mut() {
            service.host_port = None;
        }
    }
    let ca = ca_bundle(&settings.cwd, &settings.ca_certs, &manifest)?;
    let mut desired = desired_as(&manifest, &ca, scope.copy.as_deref(), scope.mode)?;
    desired.left_out = left_out;
    Ok(desired)
}

/// `up --no-build`: a built service whose image for its current sources does not exist
/// runs the newest image built for it instead, with a warning; none at all is an error.
async fn use_built_images(
    engine: &Engine,
    desired: &mut Desired,
    observed: &mut Observed,
) -> Result<(), Error> {
    for (name, service) in &mut desired.services {
        if service.context_hash.is_none() || observed.images.contains(&service.spec.image) {
            continue;
        }
        let built = engine.built_images(&desired.project, Some(name)).await?;
        let Some(newest) = built
            .into_iter()
            .find_map(|image| image.tags.into_iter().next())
        else {
            return Err(Error::Usage {
                message: format!("service `{name}` has no image yet, and --no-build builds none"),
                hint: Some(format!(
                    "`stack build {name}` builds it, or run `stack up` without --no-build"
                )),
            });
        };
        desired.warnings.push(format!(
            "service `{name}`: its sources changed since {newest} was built; it runs as it is (--no-build)"
        ));
        service.spec.image = newest.clone();
        observed.images.insert(newest);
    }
    Ok(())
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
