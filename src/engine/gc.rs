//! What interrupted runs left: every container, network and volume with stack's project
//! label, grouped by project, and which of them `stack gc` may remove. Nothing without
//! the label is ever listed, so nothing without it is ever removed.
//!
//! A project is in use, and left whole, while its lock is held by a live process (or by
//! one on another machine, which cannot be asked) or, without a lock, while any of its
//! containers runs. A lock whose holder on this machine is gone marks an interrupted run:
//! the lock goes; a `stack ci` run, a throwaway copy, goes whole, volumes included.
//! Named volumes of other projects hold their data and go only when asked (`--volumes`).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
};

use crate::engine::client::Engine;
use crate::engine::container::engine_time;
use crate::engine::error::{EngineError, request_failed};
use crate::engine::lock::Holder;
use crate::plan::spec::label;

/// The kinds of object stack labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Container,
    Network,
    Volume,
    /// A project's lock container (see `lock.rs`).
    Lock,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Container => "container",
            Kind::Network => "network",
            Kind::Volume => "volume",
            Kind::Lock => "lock",
        }
    }
}

/// One labelled object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Labelled {
    pub(crate) kind: Kind,
    /// What removing it takes: the id of a container or network, the name of a volume.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) project: String,
    /// `None` when the engine did not say (never removed on age then).
    pub(crate) created: Option<SystemTime>,
    /// A container that runs.
    pub(crate) running: bool,
    /// A lock's holder.
    pub(crate) holder: Option<Holder>,
}

/// Why a project's objects are removed or left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Its lock is held by a process that is still there.
    Held(Holder),
    /// A container of it runs and no interrupted run says otherwise.
    Running,
    /// An interrupted `stack ci`: everything goes.
    InterruptedCi(Holder),
    /// An interrupted other command: its lock goes, the rest by the usual rules.
    Interrupted(Holder),
    Stopped,
}

/// One project's verdict and what goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Collection {
    pub(crate) project: String,
    pub(crate) verdict: Verdict,
    /// What goes, in removal order: containers, networks, volumes, then the lock (so a
    /// gc stopped midway still finds the project interrupted).
    pub(crate) remove: Vec<Labelled>,
}

/// For every project, what goes: objects created more than `older_than` before `now` that
/// the verdict lets go. Named volumes of projects that are not interrupted `ci` runs go
/// only with `volumes`.
pub(crate) fn collect(
    objects: Vec<Labelled>,
    older_than: Duration,
    volumes: bool,
    now: SystemTime,
) -> Vec<Collection> {
    let mut projects: BTreeMap<String, Vec<Labelled>> = BTreeMap::new();
    for object in objects {
        projects
            .entry(object.project.clone())
            .or_default()
            .push(object);
    }
    projects
        .into_iter()
        .map(|(project, objects)| {
            let holder = objects.iter().find_map(|o| o.holder.clone());
            let running = objects
                .iter()
                .any(|o| o.kind == Kind::Container && o.running);
            let verdict = match holder {
                Some(holder) if !holder.gone() => Verdict::Held(holder),
                Some(holder) if holder.command == "ci" => Verdict::InterruptedCi(holder),
                Some(holder) if !running => Verdict::Interrupted(holder),
                _ if running => Verdict::Running,
                _ => Verdict::Stopped,
            };
            let old = |o: &Labelled| {
                o.created
                    .and_then(|at| now.duration_since(at).ok())
                    .is_some_and(|age| age >= older_than)
            };
            let goes = |o: &Labelled| match (&verdict, o.kind) {
                (Verdict::Held(_), _) => false,
                (Verdict::InterruptedCi(_), _) => true,
                (Verdict::Running, kind) => kind == Kind::Lock,
                (Verdict::Interrupted(_) | Verdict::Stopped, Kind::Volume) => volumes,
                (Verdict::Interrupted(_) | Verdict::Stopped, _) => true,
            };
            let mut remove: Vec<Labelled> =
                objects.into_iter().filter(|o| goes(o) && old(o)).collect();
            remove.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.name.cmp(&b.name)));
            Collection {
                project,
                verdict,
                remove,
            }
        })
        .collect()
}

impl Engine {
    /// Every container, network and volume that carries stack's project label.
    pub(crate) async fn labelled(&self) -> Result<Vec<Labelled>, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![label::PROJECT.to_string()])]);
        let containers = self
            .docker()
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(request_failed("list containers"))?;
        let networks = self
            .docker()
            .list_networks(Some(
                ListNetworksOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(request_failed("list networks"))?;
        let volumes = self
            .docker()
            .list_volumes(Some(
                ListVolumesOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(request_failed("list volumes"))?;
        let mut out = Vec::new();
        for container in containers {
            let labels = container.labels.unwrap_or_default();
            let Some(project) = labels.get(label::PROJECT).cloned() else {
                continue;
            };
            let lock = Holder::is_lock(&labels);
            out.push(Labelled {
                kind: if lock { Kind::Lock } else { Kind::Container },
                id: container.id.unwrap_or_default(),
                name: container
                    .names
                    .and_then(|n| n.into_iter().next())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_default(),
                project,
                created: container
                    .created
                    .and_then(|s| u64::try_from(s).ok())
                    .map(|s| UNIX_EPOCH + Duration::from_secs(s)),
                running: container.state.is_some_and(|s| s.to_string() == "running"),
                holder: lock.then(|| Holder::from_labels(&labels)),
            });
        }
        for network in networks {
            let Some(project) = network
                .labels
                .as_ref()
                .and_then(|l| l.get(label::PROJECT).cloned())
            else {
                continue;
            };
            out.push(Labelled {
                kind: Kind::Network,
                id: network.id.unwrap_or_default(),
                name: network.name.unwrap_or_default(),
                project,
                created: network.created.as_deref().and_then(engine_time),
                running: false,
                holder: None,
            });
        }
        for volume in volumes.volumes.unwrap_or_default() {
            let Some(project) = volume.labels.get(label::PROJECT).cloned() else {
                continue;
            };
            out.push(Labelled {
                kind: Kind::Volume,
                id: volume.name.clone(),
                name: volume.name,
                project,
                created: volume.created_at.as_deref().and_then(engine_time),
                running: false,
                holder: None,
            });
        }
        Ok(out)
    }

    /// Removes one object `collect` let go.
    pub(crate) async fn remove_labelled(&self, object: &Labelled) -> Result<(), EngineError> {
        match object.kind {
            Kind::Container | Kind::Lock => self.remove_container(&object.id).await,
            Kind::Network => self.remove_network(&object.id, &object.name).await,
            Kind::Volume => self.remove_volume(&object.id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::{Kind, Labelled, Verdict, collect};
    use crate::engine::lock::Holder;

    const HOUR: Duration = Duration::from_secs(3600);

    fn object(kind: Kind, project: &str, name: &str, age: Duration, running: bool) -> Labelled {
        Labelled {
            kind,
            id: name.to_string(),
            name: name.to_string(),
            project: project.to_string(),
            created: Some(SystemTime::UNIX_EPOCH + 10 * HOUR - age),
            running,
            holder: None,
        }
    }

    fn lock(project: &str, command: &str, pid: u32, here: bool) -> Labelled {
        let mut lock = object(
            Kind::Lock,
            project,
            &format!("{project}-stack-lock"),
            2 * HOUR,
            false,
        );
        lock.holder = Some(Holder {
            command: command.to_string(),
            pid,
            host: if here { "here" } else { "elsewhere" }.to_string(),
            since: String::new(),
            here,
        });
        lock
    }

    /// What goes, project by project: `project: verdict: names`.
    fn gone(objects: Vec<Labelled>, older_than: Duration, volumes: bool) -> Vec<String> {
        collect(
            objects,
            older_than,
            volumes,
            SystemTime::UNIX_EPOCH + 10 * HOUR,
        )
        .into_iter()
        .map(|c| {
            let verdict = match c.verdict {
                Verdict::Held(_) => "held",
                Verdict::Running => "running",
                Verdict::InterruptedCi(_) => "interrupted ci",
                Verdict::Interrupted(_) => "interrupted",
                Verdict::Stopped => "stopped",
            };
            let names: Vec<String> = c.remove.into_iter().map(|o| o.name).collect();
            format!("{}: {verdict}: {}", c.project, names.join(" "))
        })
        .collect()
    }

    #[test]
    fn only_what_no_live_run_uses_goes_and_volumes_only_of_ci_runs_unless_asked() {
        // Above the kernel's largest pid: a process that is gone.
        let dead = 4_194_305;
        let alive = std::process::id();
        let objects = vec![
            // A killed `stack ci`: running containers, its network and volume, its lock.
            object(Kind::Container, "a-ci-1", "a-ci-1-api", 2 * HOUR, true),
            object(Kind::Network, "a-ci-1", "a-ci-1_default", 2 * HOUR, false),
            object(Kind::Volume, "a-ci-1", "a-ci-1_data", 2 * HOUR, false),
            lock("a-ci-1", "ci", dead, true),
            // A `stack ci` still running: its lock is held by a live process.
            object(Kind::Container, "a-ci-2", "a-ci-2-api", 2 * HOUR, false),
            lock("a-ci-2", "ci", alive, true),
            // Held from another machine: nothing can tell it is gone.
            object(Kind::Container, "remote", "remote-api", 2 * HOUR, false),
            lock("remote", "up", dead, false),
            // A running project without a lock, and one `stack up` was killed in.
            object(Kind::Container, "dev", "dev-web", 2 * HOUR, true),
            object(Kind::Network, "dev", "dev_default", 2 * HOUR, false),
            object(Kind::Container, "killed", "killed-web", 2 * HOUR, true),
            lock("killed", "up", dead, true),
            // Stopped: containers and network go, the volume only when asked; new ones stay.
            object(Kind::Container, "old", "old-db", 2 * HOUR, false),
            object(
                Kind::Container,
                "old",
                "old-new",
                Duration::from_secs(60),
                false,
            ),
            object(Kind::Network, "old", "old_default", 2 * HOUR, false),
            object(Kind::Volume, "old", "old_pgdata", 2 * HOUR, false),
        ];
        insta::assert_debug_snapshot!(gone(objects.clone(), HOUR, false), @r#"
        [
            "a-ci-1: interrupted ci: a-ci-1-api a-ci-1_default a-ci-1_data a-ci-1-stack-lock",
            "a-ci-2: held: ",
            "dev: running: ",
            "killed: running: killed-stack-lock",
            "old: stopped: old-db old_default",
            "remote: held: ",
        ]
        "#);
        let with_volumes = gone(objects, Duration::ZERO, true);
        assert_eq!(
            with_volumes[4],
            "old: stopped: old-db old-new old_default old_pgdata"
        );
    }
}
