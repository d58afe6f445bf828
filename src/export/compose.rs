//! `stack export compose`: a Compose file in the version 3 format `docker stack deploy`
//! reads (no `build`, short `depends_on`, `deploy.restart_policy`), images by content hash,
//! stack's checks as `healthcheck:`. `stack deploy --swarm` deploys the same model.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::cli::EndpointMode;
use crate::export::artifact::Artifacts;
use crate::export::report::Report;
use crate::export::yaml;
use crate::manifest::health::{Check, Health};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::manifest::volume::VolumeSource;

/// The Compose file format `docker stack deploy` reads (the newest version 3).
const VERSION: &str = "3.8";
/// How long one health probe may take, as stack's own HTTP and TCP probes allow.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComposeFile {
    pub(crate) version: &'static str,
    pub(crate) services: BTreeMap<String, ComposeService>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) volumes: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) configs: BTreeMap<String, ConfigSource>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComposeService {
    pub(crate) image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) environment: BTreeMap<String, String>,
    /// Documents the order; Swarm ignores it, `stack deploy --swarm` keeps it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) ports: Vec<PortConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) volumes: Vec<VolumeMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) configs: Vec<ConfigMount>,
    pub(crate) deploy: Deploy,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Healthcheck {
    pub(crate) test: Vec<String>,
    pub(crate) interval: String,
    pub(crate) timeout: String,
    pub(crate) retries: u32,
    /// stack's `health.timeout`: failures before it do not count.
    pub(crate) start_period: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PortConfig {
    pub(crate) target: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) published: Option<u16>,
    pub(crate) protocol: &'static str,
    /// `host` (on the node running the task) or `ingress` (the routing mesh, needs IPVS).
    pub(crate) mode: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct VolumeMount {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) source: String,
    pub(crate) target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) read_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConfigMount {
    pub(crate) source: String,
    pub(crate) target: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConfigSource {
    /// The file `docker stack deploy` reads, next to the Compose file.
    pub(crate) file: String,
    /// The contents, for `stack deploy --swarm`, which creates the config itself.
    #[serde(skip)]
    pub(crate) contents: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Deploy {
    /// `replicated`, or `replicated-job` for a task (runs to completion once).
    pub(crate) mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) replicas: Option<u64>,
    pub(crate) endpoint_mode: &'static str,
    pub(crate) restart_policy: RestartPolicy,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RestartPolicy {
    pub(crate) condition: &'static str,
}

impl EndpointMode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            EndpointMode::Dnsrr => "dnsrr",
            EndpointMode::Vip => "vip",
        }
    }

    /// `dnsrr` has no virtual IP for the routing mesh to send to: ports go on the node.
    fn publish_mode(self) -> &'static str {
        match self {
            EndpointMode::Dnsrr => "host",
            EndpointMode::Vip => "ingress",
        }
    }
}

/// The Compose model of `manifest` for a swarm.
pub(crate) fn render(
    manifest: &Manifest,
    artifacts: &Artifacts,
    endpoint_mode: EndpointMode,
    report: &mut Report,
) -> ComposeFile {
    let mut file = ComposeFile {
        version: VERSION,
        services: BTreeMap::new(),
        volumes: BTreeMap::new(),
        configs: BTreeMap::new(),
    };
    for service in manifest.services.values() {
        let compose = compose_service(service, artifacts, endpoint_mode, report);
        for volume in &compose.volumes {
            file.volumes.insert(volume.source.clone(), BTreeMap::new());
        }
        for (index, (path, contents)) in service.files.iter().enumerate() {
            let name = format!("{}-file-{}", service.name, index + 1);
            file.configs.insert(
                name,
                ConfigSource {
                    file: format!(
                        "{}.{}",
                        service.name,
                        path.rsplit('/').next().unwrap_or("conf")
                    ),
                    contents: contents.clone(),
                },
            );
        }
        file.services.insert(service.name.clone(), compose);
    }
    file
}

fn compose_service(
    service: &Service,
    artifacts: &Artifacts,
    endpoint_mode: EndpointMode,
    report: &mut Report,
) -> ComposeService {
    let name = &service.name;
    let artifact = &artifacts[name];
    let healthcheck = match (&service.health, service.task) {
        (Some(health), false) => Some(healthcheck(health, service.port)),
        _ => None,
    };
    let mut parts = vec![format!("image {}", artifact.image)];
    if let Some(health) = &service.health {
        parts.push(format!(
            "healthcheck ({})",
            match &health.check {
                Check::Http { path } => format!("GET {path} with bash inside the container"),
                Check::HttpAny { path } => {
                    format!("GET {path}, any answer, with bash inside the container")
                }
                Check::Tcp => "TCP connect with bash inside the container".to_string(),
                Check::Cmd(argv) => argv.join(" "),
                Check::Protocol(protocol) => format!(
                    "its {} check as a TCP connect with bash inside the container",
                    protocol.key()
                ),
            }
        ));
    }
    if service.task {
        parts.push("runs once (replicated-job)".to_string());
    }
    report.translated(name, parts.join(", "));
    let check = service.health.as_ref().map(|h| &h.check);
    if check.is_some_and(Check::needs_port) && !artifact.built {
        report.approximated(
            name,
            "its HTTP or TCP check runs inside the container with bash: the image must have it",
        );
    }
    if let Some(Check::Protocol(protocol)) = check {
        report.approximated(
            name,
            format!(
                "its {} check is a TCP connect under swarm: a Compose health check runs inside the container, where stack's probe is not",
                protocol.key()
            ),
        );
    }
    let ports = match service.port {
        Some(port) if !service.task => {
            if service.host_ip != "0.0.0.0" {
                report.approximated(
                    name,
                    format!(
                        "port {port} is published on every interface of the node running it: a swarm cannot publish on {} only",
                        service.host_ip
                    ),
                );
            }
            vec![PortConfig {
                target: port,
                published: service.host_port,
                protocol: "tcp",
                mode: endpoint_mode.publish_mode(),
            }]
        }
        _ => Vec::new(),
    };
    let volumes = service
        .volumes
        .iter()
        .map(|volume| match &volume.source {
            VolumeSource::Named(volume_name) => VolumeMount {
                kind: "volume",
                source: volume_name.clone(),
                target: volume.target.clone(),
                read_only: volume.read_only,
            },
            VolumeSource::Bind(path) => {
                report.approximated(
                    name,
                    format!(
                        "bind mount {} works only on the node that has that directory",
                        path.display()
                    ),
                );
                VolumeMount {
                    kind: "bind",
                    source: path.display().to_string(),
                    target: volume.target.clone(),
                    read_only: volume.read_only,
                }
            }
        })
        .collect();
    let configs = service
        .files
        .keys()
        .enumerate()
        .map(|(index, path)| ConfigMount {
            source: format!("{name}-file-{}", index + 1),
            target: path.clone(),
        })
        .collect();
    ComposeService {
        image: artifact.image.clone(),
        command: service.command.clone(),
        environment: service.env.clone(),
        depends_on: service.depends_on.clone(),
        healthcheck,
        ports,
        volumes,
        configs,
        deploy: Deploy {
            mode: if service.task {
                "replicated-job"
            } else {
                "replicated"
            },
            replicas: (!service.task).then_some(1),
            endpoint_mode: endpoint_mode.name(),
            restart_policy: RestartPolicy {
                // A task that fails has failed: stack's verdict, not a retry loop.
                condition: if service.task { "none" } else { "any" },
            },
        },
    }
}

/// stack's check as a Compose health check. Swarm runs it inside the container, so HTTP
/// and TCP go through bash's `/dev/tcp` (every image stack generates has bash).
pub(crate) fn healthcheck(health: &Health, port: Option<u16>) -> Healthcheck {
    let port = port.unwrap_or_default();
    let test = match &health.check {
        Check::Cmd(argv) => std::iter::once("CMD".to_string())
            .chain(argv.iter().cloned())
            .collect(),
        Check::Tcp | Check::Protocol(_) => vec![
            "CMD".to_string(),
            "bash".to_string(),
            "-c".to_string(),
            format!("exec 3<>/dev/tcp/127.0.0.1/{port}"),
        ],
        Check::HttpAny { path } => vec![
            "CMD".to_string(),
            "bash".to_string(),
            "-c".to_string(),
            format!(
                "exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET {path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ -n \"$code\" ]"
            ),
        ],
        Check::Http { path } => vec![
            "CMD".to_string(),
            "bash".to_string(),
            "-c".to_string(),
            format!(
                "exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET {path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ \"$code\" -ge 200 ] && [ \"$code\" -lt 400 ]"
            ),
        ],
    };
    Healthcheck {
        test,
        interval: humantime::format_duration(health.interval).to_string(),
        timeout: humantime::format_duration(PROBE_TIMEOUT).to_string(),
        retries: 3,
        start_period: humantime::format_duration(health.timeout).to_string(),
    }
}

/// The Compose file's text. `$` is Compose's interpolation: every literal one is doubled.
pub(crate) fn text(file: &ComposeFile, header: &str) -> String {
    let dollars = |text: &mut String| *text = text.replace('$', "$$");
    let mut file = file.clone();
    for service in file.services.values_mut() {
        dollars(&mut service.image);
        service.command.iter_mut().flatten().for_each(dollars);
        service.environment.values_mut().for_each(dollars);
        if let Some(check) = &mut service.healthcheck {
            check.test.iter_mut().for_each(dollars);
        }
    }
    yaml::document(&file, header)
}
