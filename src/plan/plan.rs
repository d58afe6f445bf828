//! What `up` will do, as pure data: builds, network, volumes, and per service whether to
//! create, recreate, start or keep its container, in dependency order.
//!
//! The desired side comes from the manifest (specs and context hashes); the observed side
//! from the engine's labels. `stack plan` prints this; `up` executes it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::manifest::health::Health;
use crate::plan::spec::{ContainerSpec, changed_parts};

/// What a service should look like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DesiredService {
    pub(crate) spec: ContainerSpec,
    /// Present when stack builds the image: the content hash of its context.
    pub(crate) context_hash: Option<String>,
    /// Build arguments of a built service.
    pub(crate) build_args: BTreeMap<String, String>,
    pub(crate) depends_on: Vec<String>,
    pub(crate) health: Option<Health>,
    /// The Dockerfile stage to build instead of the last (watch's dev-server stage).
    pub(crate) build_target: Option<String>,
}

/// A container of the project as the engine reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ObservedContainer {
    pub(crate) id: String,
    pub(crate) running: bool,
    pub(crate) exit_code: Option<i64>,
    pub(crate) config_hash: Option<String>,
    pub(crate) config_parts: Option<String>,
}

/// The project's objects that exist in the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    pub(crate) network: bool,
    pub(crate) volumes: BTreeSet<String>,
    pub(crate) images: BTreeSet<String>,
    /// By service name.
    pub(crate) containers: BTreeMap<String, ObservedContainer>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Presence {
    Create,
    Exists,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct BuildStep {
    pub(crate) service: String,
    pub(crate) image: String,
    /// The image with this content hash already exists.
    pub(crate) cached: bool,
}

/// The ready-made image of an `image:` service that the engine does not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PullStep {
    pub(crate) service: String,
    pub(crate) image: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub(crate) enum ContainerAction {
    Create,
    /// The container exists with another configuration; `changed` names the parts.
    Recreate {
        changed: Vec<String>,
    },
    /// Exists, unchanged, not running.
    Start,
    /// Running (or, for a task, completed) and unchanged.
    Keep,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ServiceStep {
    pub(crate) service: String,
    pub(crate) image: String,
    #[serde(flatten)]
    pub(crate) action: ContainerAction,
    pub(crate) after: Vec<String>,
    pub(crate) task: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Plan {
    pub(crate) project: String,
    pub(crate) network: (String, Presence),
    pub(crate) volumes: Vec<(String, Presence)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) pulls: Vec<PullStep>,
    pub(crate) builds: Vec<BuildStep>,
    /// In an order where every service comes after its dependencies.
    pub(crate) services: Vec<ServiceStep>,
    /// Containers of the project whose service is no longer in the manifest.
    pub(crate) orphans: Vec<String>,
}

impl ContainerAction {
    /// Why a recreate happens, as a line says it: `env, image changed`, `forced`, or the move to or from watch's dev command.
    pub(crate) fn reason(changed: &[String]) -> String {
        if changed.is_empty() {
            "forced".to_string()
        } else {
            crate::plan::mode::recreate_reason(changed)
        }
    }
}

/// What `start` leaves as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Existing {
    /// Services without a container: `up` creates them, `start` does not.
    pub(crate) missing: Vec<String>,
    /// Services whose container no longer matches the manifest: started as they are.
    pub(crate) outdated: Vec<String>,
}

impl Plan {
    /// `start`: the existing containers only, as they are; nothing is pulled, built,
    /// created or recreated.
    pub(crate) fn existing_only(&mut self) -> Existing {
        self.pulls.clear();
        self.builds.clear();
        let mut existing = Existing::default();
        self.services.retain_mut(|step| match step.action {
            ContainerAction::Create => {
                existing.missing.push(step.service.clone());
                false
            }
            ContainerAction::Recreate { .. } => {
                existing.outdated.push(step.service.clone());
                step.action = ContainerAction::Start;
                true
            }
            ContainerAction::Start | ContainerAction::Keep => true,
        });
        existing
    }

    /// `up --force-recreate`: every existing container is replaced, changed or not.
    pub(crate) fn recreate_all(&mut self) {
        for step in &mut self.services {
            if matches!(step.action, ContainerAction::Start | ContainerAction::Keep) {
                step.action = ContainerAction::Recreate {
                    changed: Vec::new(),
                };
            }
        }
    }

    /// Nothing to build, create, recreate or start.
    pub(crate) fn is_noop(&self) -> bool {
        self.network.1 == Presence::Exists
            && self.volumes.iter().all(|(_, p)| *p == Presence::Exists)
            && self.pulls.is_empty()
            && self.builds.iter().all(|b| b.cached)
            && self
                .services
                .iter()
                .all(|s| s.action == ContainerAction::Keep)
    }
}

/// Services in dependency order; ties broken by name so plans are stable.
/// The manifest's validation has already rejected cycles and unknown names.
pub(crate) fn start_order(services: &BTreeMap<String, DesiredService>) -> Vec<String> {
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = services
        .iter()
        .map(|(name, s)| {
            let deps = s
                .depends_on
                .iter()
                .map(String::as_str)
                .filter(|d| services.contains_key(*d))
                .collect();
            (name.as_str(), deps)
        })
        .collect();
    let mut order = Vec::with_capacity(services.len());
    while !remaining.is_empty() {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(name, _)| *name)
            .collect();
        // A cycle would leave nothing ready; validation forbids it, but never loop forever.
        let ready = if ready.is_empty() {
            vec![*remaining.keys().next().expect("remaining is not empty")]
        } else {
            ready
        };
        for name in ready {
            remaining.remove(name);
            for deps in remaining.values_mut() {
                deps.remove(name);
            }
            order.push(name.to_string());
        }
    }
    order
}

/// Compares desired and observed state.
pub(crate) fn plan(
    project: &str,
    network: &str,
    volumes: &[String],
    desired: &BTreeMap<String, DesiredService>,
    observed: &Observed,
) -> Plan {
    let builds = desired
        .iter()
        .filter(|(_, d)| d.context_hash.is_some())
        .map(|(name, d)| BuildStep {
            service: name.clone(),
            image: d.spec.image.clone(),
            cached: observed.images.contains(&d.spec.image),
        })
        .collect();
    let pulls = desired
        .iter()
        .filter(|(_, d)| d.context_hash.is_none() && !observed.images.contains(&d.spec.image))
        .map(|(name, d)| PullStep {
            service: name.clone(),
            image: d.spec.image.clone(),
        })
        .collect();
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut services = Vec::new();
    for name in start_order(desired) {
        let d = &desired[&name];
        let action = match observed.containers.get(&name) {
            None => ContainerAction::Create,
            Some(c) if c.config_hash.as_deref() != Some(d.spec.config_hash().as_str()) => {
                let parts = changed_parts(c.config_parts.as_deref().unwrap_or(""), &d.spec);
                ContainerAction::Recreate {
                    changed: parts.into_iter().map(str::to_string).collect(),
                }
            }
            Some(_) if d.spec.task && d.depends_on.iter().any(|dep| changed.contains(dep)) => {
                ContainerAction::Start
            }
            Some(c) if c.running => ContainerAction::Keep,
            Some(c) if d.spec.task && c.exit_code == Some(0) => ContainerAction::Keep,
            Some(_) => ContainerAction::Start,
        };
        if action != ContainerAction::Keep {
            changed.insert(name.clone());
        }
        services.push(ServiceStep {
            service: name.clone(),
            image: d.spec.image.clone(),
            action,
            after: d.depends_on.clone(),
            task: d.spec.task,
        });
    }
    let orphans = observed
        .containers
        .keys()
        .filter(|name| !desired.contains_key(*name))
        .cloned()
        .collect();
    Plan {
        project: project.to_string(),
        network: (
            network.to_string(),
            if observed.network {
                Presence::Exists
            } else {
                Presence::Create
            },
        ),
        volumes: volumes
            .iter()
            .map(|v| {
                let presence = if observed.volumes.contains(v) {
                    Presence::Exists
                } else {
                    Presence::Create
                };
                (v.clone(), presence)
            })
            .collect(),
        pulls,
        builds,
        services,
        orphans,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{
        ContainerAction, DesiredService, Existing, Observed, ObservedContainer, Plan, plan,
        start_order,
    };
    use crate::plan::spec::ContainerSpec;

    fn desired(name: &str, deps: &[&str], task: bool) -> (String, DesiredService) {
        let spec = ContainerSpec {
            project: "p".to_string(),
            service: name.to_string(),
            name: format!("p-{name}"),
            image: format!("stack-p-{name}:abc"),
            env: BTreeMap::new(),
            command: None,
            publish: None,
            mounts: Vec::new(),
            network: "p_default".to_string(),
            task,
            files: BTreeMap::new(),
        };
        (
            name.to_string(),
            DesiredService {
                spec,
                context_hash: Some("abc".to_string()),
                build_args: BTreeMap::new(),
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                health: None,
                build_target: None,
            },
        )
    }

    fn running(d: &DesiredService) -> ObservedContainer {
        ObservedContainer {
            id: "id".to_string(),
            running: !d.spec.task,
            exit_code: if d.spec.task { Some(0) } else { None },
            config_hash: Some(d.spec.config_hash()),
            config_parts: Some(d.spec.parts_label()),
        }
    }

    /// What the engine shows once `desired` is up: the network, every image, every container
    /// running (tasks exited 0) with its current config.
    fn all_up(desired: &BTreeMap<String, DesiredService>) -> Observed {
        Observed {
            network: true,
            images: desired.values().map(|d| d.spec.image.clone()).collect(),
            containers: desired
                .iter()
                .map(|(n, d)| (n.clone(), running(d)))
                .collect(),
            ..Observed::default()
        }
    }

    /// Each service's action, in start order.
    fn actions(p: &Plan) -> Vec<(&str, &ContainerAction)> {
        p.services
            .iter()
            .map(|s| (s.service.as_str(), &s.action))
            .collect()
    }

    fn stack() -> BTreeMap<String, DesiredService> {
        BTreeMap::from([
            desired("web", &["api"], false),
            desired("api", &["db", "migrate"], false),
            desired("migrate", &["db"], true),
            desired("db", &[], false),
        ])
    }

    #[test]
    fn services_start_after_their_dependencies() {
        assert_eq!(start_order(&stack()), vec!["db", "migrate", "api", "web"]);
    }

    #[test]
    fn a_fresh_project_creates_everything() {
        let p = plan(
            "p",
            "p_default",
            &["p_data".to_string()],
            &stack(),
            &Observed::default(),
        );
        assert!(
            p.services
                .iter()
                .all(|s| s.action == ContainerAction::Create)
        );
        assert!(p.builds.iter().all(|b| !b.cached));
        assert!(!p.is_noop());
    }

    #[test]
    fn an_unchanged_running_project_is_a_noop() {
        let desired = stack();
        let observed = all_up(&desired);
        let p = plan("p", "p_default", &[], &desired, &observed);
        assert!(p.is_noop(), "{p:#?}");
    }

    #[test]
    fn a_changed_env_recreates_only_that_service_and_reruns_tasks_after_it() {
        let mut desired = stack();
        let mut observed = all_up(&desired);
        desired
            .get_mut("db")
            .expect("db")
            .spec
            .env
            .insert("X".to_string(), "1".to_string());
        let p = plan("p", "p_default", &[], &desired, &observed);
        assert_eq!(
            actions(&p),
            vec![
                (
                    "db",
                    &ContainerAction::Recreate {
                        changed: vec!["env".to_string()]
                    }
                ),
                ("migrate", &ContainerAction::Start),
                ("api", &ContainerAction::Keep),
                ("web", &ContainerAction::Keep),
            ]
        );
        observed
            .containers
            .insert("old".to_string(), running(&desired["db"]));
        let p = plan("p", "p_default", &[], &desired, &observed);
        assert_eq!(p.orphans, vec!["old".to_string()]);
    }

    #[test]
    fn start_takes_existing_containers_as_they_are_and_force_recreate_replaces_them_all() {
        let desired = stack();
        let mut observed = all_up(&desired);
        observed.containers.remove("web");
        if let Some(db) = observed.containers.get_mut("db") {
            db.config_hash = Some("older".to_string());
            db.running = false;
        }
        observed.images.clear();
        let mut p = plan("p", "p_default", &[], &desired, &observed);
        let existing = p.existing_only();
        assert_eq!(
            existing,
            Existing {
                missing: vec!["web".to_string()],
                outdated: vec!["db".to_string()],
            }
        );
        // Nothing built or created: the outdated db starts as it is.
        assert!(p.builds.is_empty() && p.pulls.is_empty());
        assert_eq!(
            actions(&p),
            vec![
                ("db", &ContainerAction::Start),
                ("migrate", &ContainerAction::Start),
                ("api", &ContainerAction::Keep),
            ]
        );

        let mut forced = plan("p", "p_default", &[], &desired, &all_up(&desired));
        forced.recreate_all();
        assert!(forced.services.iter().all(|s| s.action
            == ContainerAction::Recreate {
                changed: Vec::new()
            }));
        assert_eq!(ContainerAction::reason(&[]), "forced");
        assert_eq!(
            ContainerAction::reason(&["env".to_string(), "image".to_string()]),
            "env, image changed"
        );
    }
}
