//! Workloads: a Deployment per long-running service, a Job per task nothing depends on,
//! and the pod they share: init containers for start order, the service's container with
//! readiness and startup probes from stack's own check, a non-root security context.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, EnvVar,
    EnvVarSource, ExecAction, GRPCAction, HTTPGetAction, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    SeccompProfile, SecretEnvSource, SecurityContext, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::export::artifact::{Artifact, Artifacts, User};
use crate::export::kubernetes::config::{claim_name, config_map_name, environment, secret_name};
use crate::export::kubernetes::meta::{self, prefixed};
use crate::export::kubernetes::order::{Step, steps};
use crate::export::report::Report;
use crate::manifest::health::{Check, Health, Protocol};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::manifest::volume::VolumeSource;

/// The image of the init containers that wait for a dependency: busybox has `nc` and
/// `nslookup`, is public on Docker Hub and small. Pin another (a mirror) in an overlay.
pub(crate) const WAIT_IMAGE: &str = "busybox:1.36";
/// The user the wait containers run as (busybox's `nobody`).
const WAIT_USER: i64 = 65534;
/// How long one probe may take: what stack's own HTTP and TCP probes allow.
const PROBE_TIMEOUT_SECONDS: i32 = 2;

/// What every workload of one export needs to know.
pub(crate) struct Workloads<'a> {
    pub(crate) manifest: &'a Manifest,
    pub(crate) artifacts: &'a Artifacts,
    /// The port each long-running service answers on (declared or inferred).
    pub(crate) ports: &'a BTreeMap<String, u16>,
}

impl Workloads<'_> {
    /// A Deployment for a long-running service.
    pub(crate) fn deployment(&self, service: &Service, report: &mut Report) -> Deployment {
        let project = &self.manifest.name;
        let pod = self.pod(service, report);
        let has_claims = pod
            .volumes
            .as_ref()
            .is_some_and(|v| v.iter().any(|v| v.persistent_volume_claim.is_some()));
        Deployment {
            metadata: meta::object(&service.name, project, &service.name),
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: meta::selector(project, &service.name),
                // A ReadWriteOnce claim is held by the old pod until it stops: a rolling
                // update would wait for it forever.
                strategy: has_claims.then(|| DeploymentStrategy {
                    type_: Some("Recreate".to_string()),
                    ..DeploymentStrategy::default()
                }),
                template: self.template(service, pod),
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }
    }

    /// A Job for a task that no service depends on: it runs once, success is exit 0.
    pub(crate) fn job(&self, service: &Service, report: &mut Report) -> Job {
        let project = &self.manifest.name;
        let mut pod = self.pod(service, report);
        pod.restart_policy = Some("Never".to_string());
        Job {
            metadata: meta::object(&service.name, project, &service.name),
            spec: Some(JobSpec {
                // stack's verdict: a task that exits non-zero failed; no retries.
                backoff_limit: Some(0),
                template: self.template(service, pod),
                ..JobSpec::default()
            }),
            ..Job::default()
        }
    }

    fn template(&self, service: &Service, pod: PodSpec) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(meta::labels(&self.manifest.name, &service.name)),
                ..ObjectMeta::default()
            }),
            spec: Some(pod),
        }
    }

    /// The pod of `service`: waits and tasks first, then its own container.
    fn pod(&self, service: &Service, report: &mut Report) -> PodSpec {
        let mut init = Vec::new();
        let mut mounted: Vec<&Service> = vec![service];
        for step in steps(self.manifest, service) {
            match step {
                Step::Wait(name) => init.push(wait_container(&name, self.ports.get(&name))),
                Step::Run(name) => {
                    let task = &self.manifest.services[&name];
                    init.push(self.container(task, &name));
                    mounted.push(task);
                }
            }
        }
        self.describe(service, report);
        let main = self.container(service, &service.name);
        let artifact = self.artifact(service);
        let volumes = pod_volumes(&mounted);
        let fs_group = match (&artifact.user, volumes.is_empty()) {
            (User::Numeric { uid, gid }, false) => Some(gid.unwrap_or(*uid)),
            _ => None,
        };
        PodSpec {
            // The apps talk to each other, not to the Kubernetes API.
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                fs_group,
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".to_string(),
                    ..SeccompProfile::default()
                }),
                ..PodSecurityContext::default()
            }),
            init_containers: (!init.is_empty()).then_some(init),
            containers: vec![main],
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..PodSpec::default()
        }
    }

    fn artifact(&self, service: &Service) -> &Artifact {
        self.artifacts
            .get(&service.name)
            .expect("every service has an artifact: made from the same manifest")
    }

    /// The container that runs `service` (its own, or a task's as an init container).
    fn container(&self, service: &Service, name: &str) -> Container {
        let artifact = self.artifact(service);
        let (config_map, secret) = environment(&self.manifest.name, service);
        let mut env_from = Vec::new();
        if config_map.is_some() {
            env_from.push(EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: config_map_name(&service.name),
                    ..ConfigMapEnvSource::default()
                }),
                ..EnvFromSource::default()
            });
        }
        if secret.is_some() {
            env_from.push(EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: secret_name(&service.name),
                    ..SecretEnvSource::default()
                }),
                ..EnvFromSource::default()
            });
        }
        let port = service.port.filter(|_| !service.task);
        let (readiness, startup) = match (&service.health, service.task) {
            (Some(health), false) => probes(health, port),
            _ => (None, None),
        };
        let mounts: Vec<VolumeMount> = service
            .volumes
            .iter()
            .filter_map(|volume| match &volume.source {
                VolumeSource::Named(volume_name) => Some(VolumeMount {
                    name: claim_name(volume_name),
                    mount_path: volume.target.clone(),
                    read_only: volume.read_only.then_some(true),
                    ..VolumeMount::default()
                }),
                VolumeSource::Bind(_) => None,
            })
            .collect();
        Container {
            name: name.to_string(),
            image: Some(artifact.image.clone()),
            image_pull_policy: Some("IfNotPresent".to_string()),
            // stack's `command` replaces the image's CMD and keeps its ENTRYPOINT, as
            // Kubernetes' `args` does.
            args: service.command.clone(),
            ports: port.map(|port| {
                vec![ContainerPort {
                    container_port: i32::from(port),
                    ..ContainerPort::default()
                }]
            }),
            env_from: (!env_from.is_empty()).then_some(env_from),
            readiness_probe: readiness,
            startup_probe: startup,
            volume_mounts: (!mounts.is_empty()).then_some(mounts),
            security_context: Some(container_security(&artifact.user)),
            ..Container::default()
        }
    }

    /// What became of `service`, in the report.
    fn describe(&self, service: &Service, report: &mut Report) {
        let name = &service.name;
        let artifact = self.artifact(service);
        let mut parts = vec![if service.task {
            "Job".to_string()
        } else {
            "Deployment".to_string()
        }];
        if let Some(port) = self.ports.get(name) {
            parts.push(format!("Service :{port}"));
        } else if !service.task {
            parts.push("headless Service".to_string());
        }
        if let (Some(health), false) = (&service.health, service.task) {
            parts.push(format!(
                "readiness and startup probes ({})",
                describe_check(&health.check)
            ));
        }
        let steps = steps(self.manifest, service);
        if !steps.is_empty() {
            let list: Vec<String> = steps
                .iter()
                .map(|step| match step {
                    Step::Wait(name) => format!("waits for {name}"),
                    Step::Run(name) => format!("runs {name}"),
                })
                .collect();
            parts.push(format!("init containers: {}", list.join(", ")));
        }
        report.translated(name, parts.join(", "));
        if !service.env.is_empty() {
            let secret = service.env_from_files.len();
            let plain = service.env.len() - secret;
            let mut env = Vec::new();
            if plain > 0 {
                env.push(format!(
                    "ConfigMap {} ({})",
                    config_map_name(name),
                    variables(plain)
                ));
            }
            if secret > 0 {
                env.push(format!(
                    "Secret {} ({} from env_file)",
                    secret_name(name),
                    variables(secret)
                ));
            }
            report.translated(name, format!("environment: {}", env.join(", ")));
        }
        match &artifact.user {
            User::Numeric { uid, .. } => {
                report.translated(name, format!("runs as user {uid}, not root"));
            }
            User::Named(user) => report.approximated(
                name,
                format!("its Dockerfile's USER {user} is a name, which Kubernetes cannot check is not root: set runAsUser in an overlay"),
            ),
            User::Root => report.approximated(
                name,
                "runs as root: its Dockerfile sets no USER",
            ),
            User::Unknown => report.approximated(
                name,
                format!("runs as {}'s own user, which may be root (stack cannot tell for a ready-made image)", artifact.image),
            ),
        }
        if artifact.built && !artifact.image.contains('/') {
            report.approximated(
                name,
                format!("image {} is only on this machine: give a registry (`--registry`, or `registry:` in stack.yaml) and `stack push`", artifact.image),
            );
        }
        if service.host_port.is_some() {
            report.dropped(
                name,
                "host_port: a cluster reaches the service through its Service (`kubectl port-forward` from a laptop)",
            );
        }
        for volume in &service.volumes {
            if let VolumeSource::Bind(path) = &volume.source {
                report.dropped(
                    name,
                    format!(
                        "bind mount {} -> {}: a host directory does not follow the pod to a node; bake it into the image or use a ConfigMap",
                        path.display(),
                        volume.target
                    ),
                );
            }
        }
        if service.health.is_none() && !service.task {
            report.approximated(name, "no health check: ready as soon as it runs");
        }
        if let Some(Check::Protocol(protocol)) = service.health.as_ref().map(|h| &h.check)
            && !service.task
            && !matches!(protocol, Protocol::Grpc { .. })
        {
            report.approximated(
                name,
                format!(
                    "its {} check is a TCP connect: Kubernetes probes speak HTTP, TCP, gRPC or run a command",
                    protocol.key()
                ),
            );
        }
    }
}

/// `1 variable`, `3 variables`.
fn variables(count: usize) -> String {
    format!("{count} variable{}", if count == 1 { "" } else { "s" })
}

/// How a check reads in the report.
fn describe_check(check: &Check) -> String {
    match check {
        Check::Http { path } => format!("GET {path}"),
        Check::HttpAny { .. } => {
            "TCP connect (stack accepts any HTTP answer; httpGet would want 2xx or 3xx)".to_string()
        }
        Check::Tcp => "TCP connect".to_string(),
        Check::Cmd(argv) => format!("exec {}", argv.join(" ")),
        Check::Protocol(Protocol::Grpc { service }) if service.is_empty() => {
            "gRPC health".to_string()
        }
        Check::Protocol(Protocol::Grpc { service }) => format!("gRPC health of {service}"),
        Check::Protocol(_) => "TCP connect".to_string(),
    }
}

/// Readiness (every `interval`) and startup probes (for up to `timeout`) from stack's check.
/// No liveness probe: stack's checks say when a service is ready, not when to kill it.
fn probes(health: &Health, port: Option<u16>) -> (Option<Probe>, Option<Probe>) {
    let period = i32::try_from(health.interval.as_secs_f64().ceil() as u64)
        .unwrap_or(i32::MAX)
        .max(1);
    let timeout = i32::try_from(health.timeout.as_secs()).unwrap_or(i32::MAX);
    let probe = |failure_threshold: i32, period: i32| {
        let mut probe = Probe {
            period_seconds: Some(period),
            timeout_seconds: Some(PROBE_TIMEOUT_SECONDS),
            failure_threshold: Some(failure_threshold),
            ..Probe::default()
        };
        match &health.check {
            Check::Http { path } => {
                probe.http_get = Some(HTTPGetAction {
                    path: Some(path.clone()),
                    port: IntOrString::Int(i32::from(port.unwrap_or_default())),
                    ..HTTPGetAction::default()
                });
            }
            Check::Protocol(Protocol::Grpc { service }) => {
                probe.grpc = Some(GRPCAction {
                    port: i32::from(port.unwrap_or_default()),
                    service: (!service.is_empty()).then(|| service.clone()),
                });
            }
            // Kubernetes connects to the pod itself, with no proxy that accepts for it: a TCP
            // connect proves as much as "any HTTP answer", which httpGet cannot express. It
            // has no probe for the other protocols: a connect is the nearest (reported).
            Check::Tcp | Check::HttpAny { .. } | Check::Protocol(_) => {
                probe.tcp_socket = Some(TCPSocketAction {
                    port: IntOrString::Int(i32::from(port.unwrap_or_default())),
                    ..TCPSocketAction::default()
                });
            }
            Check::Cmd(argv) => {
                probe.exec = Some(ExecAction {
                    command: Some(argv.clone()),
                });
            }
        }
        probe
    };
    let startup_failures = (timeout + period - 1) / period;
    (
        Some(probe(3, period)),
        Some(probe(startup_failures.max(1), period)),
    )
}

/// The container-level security context for a image's user: never privilege escalation,
/// no capabilities for what stack built, and a checked non-root user where it is numeric.
fn container_security(user: &User) -> SecurityContext {
    let drop_all = Some(Capabilities {
        drop: Some(vec!["ALL".to_string()]),
        ..Capabilities::default()
    });
    match user {
        User::Numeric { uid, gid } => SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: drop_all,
            run_as_non_root: Some(true),
            run_as_user: Some(*uid),
            run_as_group: *gid,
            ..SecurityContext::default()
        },
        User::Named(_) | User::Root => SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: drop_all,
            ..SecurityContext::default()
        },
        // A ready-made image may need its capabilities to drop root itself (postgres).
        User::Unknown => SecurityContext {
            allow_privilege_escalation: Some(false),
            ..SecurityContext::default()
        },
    }
}

/// An init container that waits until `dependency` answers: a TCP connect through its
/// Service (which has addresses only for ready pods), or, without a known port, until its
/// headless Service's name resolves (also only for ready pods).
fn wait_container(dependency: &str, port: Option<&u16>) -> Container {
    let (script, env) = match port {
        Some(port) => (
            format!(
                "until nc -z -w 2 {dependency} {port}; do echo waiting for {dependency}:{port}; sleep 2; done"
            ),
            None,
        ),
        None => (
            format!(
                "until nslookup {dependency}.$NAMESPACE.svc.cluster.local; do echo waiting for {dependency}; sleep 2; done"
            ),
            Some(vec![EnvVar {
                name: "NAMESPACE".to_string(),
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.namespace".to_string(),
                        ..ObjectFieldSelector::default()
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            }]),
        ),
    };
    Container {
        name: prefixed("wait-for", dependency),
        image: Some(WAIT_IMAGE.to_string()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(vec!["sh".to_string(), "-c".to_string(), script]),
        env,
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                ..Capabilities::default()
            }),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            run_as_user: Some(WAIT_USER),
            run_as_group: Some(WAIT_USER),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

/// The claims the pod's containers mount, each once.
fn pod_volumes(services: &[&Service]) -> Vec<Volume> {
    let mut volumes: Vec<Volume> = Vec::new();
    for service in services {
        for volume in &service.volumes {
            let VolumeSource::Named(name) = &volume.source else {
                continue;
            };
            let claim = claim_name(name);
            if volumes.iter().any(|v| v.name == claim) {
                continue;
            }
            volumes.push(Volume {
                name: claim.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim,
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..Volume::default()
            });
        }
    }
    volumes
}
