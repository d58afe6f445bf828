//! stack's own checks of an export, for what schemas do not see: names are DNS labels,
//! selectors match their templates, probes use a port the container has, and everything
//! referred to (claims, ConfigMaps, Secrets, Services) exists.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PersistentVolumeClaim, PodTemplateSpec, Probe, Secret,
    Service as KubeService,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use regex::Regex;

/// RFC 1123 label: what most object and every container name must be.
static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$").expect("a valid pattern"));
/// RFC 1035 label: a Service's name also starts with a letter.
static DNS_1035: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$").expect("a valid pattern"));

/// Every object of an export, by kind.
#[derive(Debug, Default)]
pub(crate) struct Objects {
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) jobs: Vec<Job>,
    pub(crate) services: Vec<KubeService>,
    pub(crate) config_maps: Vec<ConfigMap>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) claims: Vec<PersistentVolumeClaim>,
    pub(crate) ingresses: Vec<Ingress>,
}

fn name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

/// The problems found; empty when the export is sound.
pub(crate) fn check(objects: &Objects) -> Vec<String> {
    let mut problems = Vec::new();
    let names = |kind: &str, metas: Vec<&ObjectMeta>, problems: &mut Vec<String>| {
        let mut seen = BTreeSet::new();
        for meta in metas {
            let name = name(meta);
            let pattern = if kind == "Service" {
                &DNS_1035
            } else {
                &DNS_LABEL
            };
            if !pattern.is_match(name) {
                problems.push(format!("{kind} `{name}`: the name is not a DNS label"));
            }
            if !seen.insert(name.to_string()) {
                problems.push(format!("{kind} `{name}` is there twice"));
            }
        }
    };
    names(
        "Deployment",
        objects.deployments.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "Job",
        objects.jobs.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "Service",
        objects.services.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "ConfigMap",
        objects.config_maps.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "Secret",
        objects.secrets.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "PersistentVolumeClaim",
        objects.claims.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );
    names(
        "Ingress",
        objects.ingresses.iter().map(|o| &o.metadata).collect(),
        &mut problems,
    );

    let mut templates: Vec<(String, Option<&LabelSelector>, &PodTemplateSpec)> = Vec::new();
    for deployment in &objects.deployments {
        if let Some(spec) = &deployment.spec {
            templates.push((
                format!("Deployment `{}`", name(&deployment.metadata)),
                Some(&spec.selector),
                &spec.template,
            ));
        }
    }
    for job in &objects.jobs {
        if let Some(spec) = &job.spec {
            templates.push((
                format!("Job `{}`", name(&job.metadata)),
                spec.selector.as_ref(),
                &spec.template,
            ));
        }
    }
    for (what, selector, template) in &templates {
        check_pod(what, *selector, template, objects, &mut problems);
    }
    for service in &objects.services {
        let what = format!("Service `{}`", name(&service.metadata));
        let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            problems.push(format!("{what} selects no pods"));
            continue;
        };
        let matched = objects
            .deployments
            .iter()
            .filter_map(|d| d.spec.as_ref())
            .any(|spec| selects(selector, spec.template.metadata.as_ref()));
        if !matched {
            problems.push(format!(
                "{what}: no Deployment's pods carry its selector's labels"
            ));
        }
    }
    let service_ports: BTreeMap<&str, Vec<i32>> = objects
        .services
        .iter()
        .map(|s| {
            let ports = s
                .spec
                .as_ref()
                .and_then(|spec| spec.ports.as_ref())
                .map(|ports| ports.iter().map(|p| p.port).collect())
                .unwrap_or_default();
            (name(&s.metadata), ports)
        })
        .collect();
    for ingress in &objects.ingresses {
        let what = format!("Ingress `{}`", name(&ingress.metadata));
        let paths = ingress
            .spec
            .iter()
            .flat_map(|s| s.rules.iter().flatten())
            .flat_map(|r| r.http.iter().flat_map(|h| h.paths.iter()));
        for path in paths {
            let Some(backend) = &path.backend.service else {
                continue;
            };
            let port = backend.port.as_ref().and_then(|p| p.number);
            match service_ports.get(backend.name.as_str()) {
                None => problems.push(format!(
                    "{what} routes to Service `{}`, which is not exported",
                    backend.name
                )),
                Some(ports) if port.is_some_and(|p| !ports.contains(&p)) => problems.push(format!(
                    "{what} routes to port {} of Service `{}`, which does not have it",
                    port.unwrap_or_default(),
                    backend.name
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

/// Whether `selector`'s labels are all on the pod template.
fn selects(selector: &BTreeMap<String, String>, template: Option<&ObjectMeta>) -> bool {
    let labels = template.and_then(|m| m.labels.as_ref());
    labels.is_some_and(|labels| selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

fn check_pod(
    what: &str,
    selector: Option<&LabelSelector>,
    template: &PodTemplateSpec,
    objects: &Objects,
    problems: &mut Vec<String>,
) {
    if let Some(selector) = selector {
        let labels = selector.match_labels.clone().unwrap_or_default();
        if labels.is_empty() || !selects(&labels, template.metadata.as_ref()) {
            problems.push(format!(
                "{what}: its selector does not match its pod template's labels"
            ));
        }
    }
    let Some(pod) = &template.spec else {
        problems.push(format!("{what} has no pod spec"));
        return;
    };
    let containers: Vec<&Container> = pod
        .init_containers
        .iter()
        .flatten()
        .chain(pod.containers.iter())
        .collect();
    let mut seen = BTreeSet::new();
    for container in &containers {
        if !DNS_LABEL.is_match(&container.name) {
            problems.push(format!(
                "{what}: container `{}`: the name is not a DNS label",
                container.name
            ));
        }
        if !seen.insert(container.name.as_str()) {
            problems.push(format!(
                "{what}: container `{}` is there twice",
                container.name
            ));
        }
        let ports: Vec<i32> = container
            .ports
            .iter()
            .flatten()
            .map(|p| p.container_port)
            .collect();
        for (kind, probe) in [
            ("readiness", &container.readiness_probe),
            ("startup", &container.startup_probe),
            ("liveness", &container.liveness_probe),
        ] {
            if let Some(port) = probe.as_ref().and_then(probe_port)
                && !ports.contains(&port)
            {
                problems.push(format!(
                    "{what}: container `{}`: its {kind} probe uses port {port}, which the container does not declare",
                    container.name
                ));
            }
        }
        for source in container.env_from.iter().flatten() {
            if let Some(reference) = &source.config_map_ref
                && !objects
                    .config_maps
                    .iter()
                    .any(|c| name(&c.metadata) == reference.name)
            {
                problems.push(format!(
                    "{what}: container `{}` reads ConfigMap `{}`, which is not exported",
                    container.name, reference.name
                ));
            }
            if let Some(reference) = &source.secret_ref
                && !objects
                    .secrets
                    .iter()
                    .any(|c| name(&c.metadata) == reference.name)
            {
                problems.push(format!(
                    "{what}: container `{}` reads Secret `{}`, which is not exported",
                    container.name, reference.name
                ));
            }
        }
        for mount in container.volume_mounts.iter().flatten() {
            let declared = pod.volumes.iter().flatten().any(|v| v.name == mount.name);
            if !declared {
                problems.push(format!(
                    "{what}: container `{}` mounts volume `{}`, which the pod does not have",
                    container.name, mount.name
                ));
            }
        }
    }
    for volume in pod.volumes.iter().flatten() {
        if let Some(claim) = &volume.persistent_volume_claim
            && !objects
                .claims
                .iter()
                .any(|c| name(&c.metadata) == claim.claim_name)
        {
            problems.push(format!(
                "{what}: volume `{}` claims `{}`, which is not exported",
                volume.name, claim.claim_name
            ));
        }
        if let Some(config_map) = &volume.config_map
            && !objects
                .config_maps
                .iter()
                .any(|c| name(&c.metadata) == config_map.name)
        {
            problems.push(format!(
                "{what}: volume `{}` reads ConfigMap `{}`, which is not exported",
                volume.name, config_map.name
            ));
        }
    }
}

/// The numeric port an HTTP, TCP or gRPC probe connects to.
fn probe_port(probe: &Probe) -> Option<i32> {
    if let Some(grpc) = &probe.grpc {
        return Some(grpc.port);
    }
    let port = probe
        .http_get
        .as_ref()
        .map(|h| &h.port)
        .or(probe.tcp_socket.as_ref().map(|t| &t.port))?;
    match port {
        IntOrString::Int(port) => Some(*port),
        IntOrString::String(_) => None,
    }
}
