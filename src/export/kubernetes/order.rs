//! Start order on a cluster: what a pod waits for, and which tasks run before it, from
//! `depends_on`; and the port each service answers on, where the manifest gives none.

use std::collections::BTreeMap;

use regex::Regex;

use crate::export::report::Report;
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;

/// One step before a pod's own container starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Wait until this service answers through its Kubernetes Service.
    Wait(String),
    /// Run this task to completion (exit 0) first.
    Run(String),
}

/// The steps before `service` starts, in order: a task's own dependencies come before the
/// task, each dependency once.
pub(crate) fn steps(manifest: &Manifest, service: &Service) -> Vec<Step> {
    let mut steps = Vec::new();
    add_steps(manifest, service, &mut steps);
    steps
}

fn add_steps(manifest: &Manifest, service: &Service, steps: &mut Vec<Step>) {
    for name in &service.depends_on {
        let Some(dependency) = manifest.services.get(name) else {
            continue;
        };
        if dependency.task {
            add_steps(manifest, dependency, steps);
            let step = Step::Run(name.clone());
            if !steps.contains(&step) {
                steps.push(step);
            }
        } else {
            let step = Step::Wait(name.clone());
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
    }
}

/// Whether another service depends on `task` (then it runs as their init container).
pub(crate) fn has_dependents(manifest: &Manifest, task: &str) -> bool {
    manifest
        .services
        .values()
        .any(|s| s.depends_on.iter().any(|d| d == task))
}

/// The port each long-running service answers on: its `port`, or for a service without
/// one, the port other services' environment reaches it on (`postgres://…@db:5432/…`
/// gives `db` 5432). Inferred ports are reported as approximated.
pub(crate) fn ports(manifest: &Manifest, report: &mut Report) -> BTreeMap<String, u16> {
    let mut ports = BTreeMap::new();
    for service in manifest.services.values().filter(|s| !s.task) {
        if let Some(port) = service.port {
            ports.insert(service.name.clone(), port);
            continue;
        }
        if let Some((port, user, key)) = inferred_port(manifest, &service.name) {
            report.approximated(
                &service.name,
                format!(
                    "has no `port`; its Service listens on {port}, the port `{user}` reaches it on ({key})"
                ),
            );
            ports.insert(service.name.clone(), port);
        }
    }
    ports
}

/// (port, service, variable) of the first `name:port` in another service's environment.
fn inferred_port(manifest: &Manifest, name: &str) -> Option<(u16, String, String)> {
    let pattern = Regex::new(&format!(
        r"(?:^|[/@=,\s]){}:(\d{{1,5}})\b",
        regex::escape(name)
    ))
    .expect("a valid pattern: the name is escaped");
    manifest
        .services
        .values()
        .filter(|s| s.name != name)
        .flat_map(|s| s.env.iter().map(move |(key, value)| (s, key, value)))
        .find_map(|(s, key, value)| {
            let port = pattern.captures(value)?.get(1)?.as_str().parse().ok()?;
            Some((port, s.name.clone(), key.clone()))
        })
}
