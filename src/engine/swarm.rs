//! `stack deploy --swarm` on the engine's swarm: the Compose model as swarm services,
//! created one by one in dependency order, each waited for until its task runs and passes
//! stack's own check (tasks: until they complete), with `up`'s errors; and its removal,
//! which waits until the network is gone so the next deploy can make it again.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bollard::models::{
    ConfigSpec, EndpointPortConfig, EndpointPortConfigProtocolEnum,
    EndpointPortConfigPublishModeEnum, EndpointSpec, EndpointSpecModeEnum, HealthConfig,
    LocalNodeState, Mount, MountType, MountVolumeOptions, NetworkAttachmentConfig,
    NetworkCreateRequest, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    ServiceSpecModeReplicatedJob, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecConfigs,
    TaskSpecContainerSpecFile1, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
    TaskState,
};
use bollard::query_parameters::{
    ListConfigsOptionsBuilder, ListContainersOptionsBuilder, ListServicesOptionsBuilder,
    ListTasksOptionsBuilder, ListVolumesOptionsBuilder,
};

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::engine::health::{Probe, backoff};
use crate::engine::probe_error::ProbeError;
use crate::engine::up::Ready;
use crate::event::{Event, Events};
use crate::export::compose::{ComposeFile, ComposeService};
use crate::manifest::health::{Health, url};
use crate::plan::spec::label;

/// The label `docker stack` groups a stack's objects by: `docker stack ls/ps/rm` see ours.
const NAMESPACE: &str = "com.docker.stack.namespace";
/// How many log lines a failure shows, as `up`.
const FAILURE_LOG_LINES: usize = 20;
/// How long a removal waits for containers and the network to go.
const REMOVAL_TIMEOUT: Duration = Duration::from_secs(60);

/// What to deploy: the Compose model, each service's check, and the order.
pub(crate) struct SwarmRequest {
    pub(crate) project: String,
    pub(crate) file: ComposeFile,
    pub(crate) health: BTreeMap<String, Health>,
    /// Services in dependency order.
    pub(crate) order: Vec<String>,
}

/// A swarm object name: `<project>_<name>`, as `docker stack deploy` names them.
pub(crate) fn swarm_name(project: &str, name: &str) -> String {
    format!("{project}_{name}")
}

impl Engine {
    /// Fails unless this engine is a swarm manager.
    pub(crate) async fn require_swarm(&self) -> Result<(), EngineError> {
        let info = self
            .docker()
            .info()
            .await
            .map_err(request_failed("read the engine's swarm state"))?;
        let swarm = info.swarm.unwrap_or_default();
        if swarm.local_node_state == Some(LocalNodeState::ACTIVE)
            && swarm.control_available == Some(true)
        {
            Ok(())
        } else {
            Err(EngineError::NoSwarm)
        }
    }

    /// Deploys `request`: removes an earlier deploy of the project, makes the network and
    /// configs, then each service once its dependencies are ready.
    pub(crate) async fn deploy_swarm(
        &self,
        request: SwarmRequest,
        events: &Events,
    ) -> Result<Vec<Ready>, EngineError> {
        let emit = |event: Event| {
            let _ = events.send(event);
        };
        let project = &request.project;
        self.remove_swarm(project, false, &emit).await?;
        let network = swarm_name(project, "default");
        self.docker()
            .create_network(NetworkCreateRequest {
                name: network.clone(),
                driver: Some("overlay".to_string()),
                attachable: Some(true),
                labels: Some(labels(project)),
                ..NetworkCreateRequest::default()
            })
            .await
            .map_err(request_failed(format!("create network {network}")))?;
        emit(Event::NetworkCreated {
            name: network.clone(),
        });
        let mut config_ids = BTreeMap::new();
        for (name, config) in &request.file.configs {
            let full = swarm_name(project, name);
            let created = self
                .docker()
                .create_config(ConfigSpec {
                    name: Some(full.clone()),
                    labels: Some(labels(project)),
                    data: Some(base64::engine::general_purpose::STANDARD.encode(&config.contents)),
                    ..ConfigSpec::default()
                })
                .await
                .map_err(request_failed(format!("create config {full}")))?;
            config_ids.insert(name.clone(), (created.id, full));
        }
        let mut ready: Vec<Ready> = Vec::new();
        for name in &request.order {
            let compose = &request.file.services[name];
            for dependency in &compose.depends_on {
                if !ready.iter().any(|r| &r.service == dependency) {
                    return Err(EngineError::DependencyFailed {
                        dependent: name.clone(),
                        dependency: dependency.clone(),
                    });
                }
            }
            let started = Instant::now();
            let spec = service_spec(project, name, compose, &network, &config_ids);
            self.docker()
                .create_service(spec, None)
                .await
                .map_err(request_failed(format!(
                    "create service {}",
                    swarm_name(project, name)
                )))?;
            emit(Event::ContainerCreated {
                service: name.clone(),
            });
            let health = request.health.get(name);
            ready.push(
                self.wait_task(project, name, compose, health, started, &emit)
                    .await?,
            );
        }
        Ok(ready)
    }

    /// Polls the service's task until it runs and passes the check (a job: completes), it
    /// fails, or the check's timeout passes.
    async fn wait_task(
        &self,
        project: &str,
        name: &str,
        compose: &ComposeService,
        health: Option<&Health>,
        started: Instant,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<Ready, EngineError> {
        let job = compose.deploy.mode == "replicated-job";
        let timeout = health.map_or(Health::DEFAULT_TIMEOUT, |h| h.timeout);
        let deadline = Instant::now() + timeout;
        let mut delays = backoff(Duration::from_millis(250));
        let mut announced = false;
        let task_error = |message: String| ProbeError::Task { message };
        let mut last_error = task_error("its task did not start".to_string());
        let full = swarm_name(project, name);
        loop {
            let task = self.latest_task(&full).await?;
            let status = task
                .as_ref()
                .and_then(|t| t.status.clone())
                .unwrap_or_default();
            let container = status
                .container_status
                .as_ref()
                .and_then(|c| c.container_id.clone())
                .filter(|id| !id.is_empty());
            match status.state {
                Some(TaskState::COMPLETE) if job => {
                    emit(Event::Completed {
                        service: name.to_string(),
                        took: started.elapsed(),
                        kept: false,
                    });
                    return Ok(Ready {
                        service: name.to_string(),
                        container: container.unwrap_or_default(),
                        url: None,
                    });
                }
                Some(TaskState::FAILED | TaskState::COMPLETE | TaskState::SHUTDOWN)
                    if container.is_some() =>
                {
                    let id = container.unwrap_or_default();
                    return Err(EngineError::Crashed {
                        service: name.to_string(),
                        exit_code: status
                            .container_status
                            .and_then(|c| c.exit_code)
                            .unwrap_or(-1),
                        oom: false,
                        task: job,
                        logs: self.tail_logs(&id, FAILURE_LOG_LINES).await,
                    });
                }
                Some(TaskState::REJECTED | TaskState::FAILED) => {
                    return Err(EngineError::TaskRejected {
                        service: name.to_string(),
                        message: status
                            .err
                            .or(status.message)
                            .unwrap_or_else(|| "rejected".to_string()),
                    });
                }
                Some(TaskState::RUNNING) if !job => {
                    if !announced {
                        emit(Event::ContainerStarted {
                            service: name.to_string(),
                        });
                        announced = true;
                    }
                    let container = container.unwrap_or_default();
                    let published = status
                        .port_status
                        .and_then(|p| p.ports)
                        .and_then(|ports| ports.into_iter().find_map(|p| p.published_port))
                        .and_then(|port| u16::try_from(port).ok());
                    let address = published.map(|port| format!("127.0.0.1:{port}"));
                    let url = address.as_ref().map(|a| url(health.map(|h| &h.check), a));
                    let probe =
                        health.and_then(|h| Probe::new(&h.check, address.clone(), &container));
                    let result = match &probe {
                        Some(probe) => self.probe(probe).await,
                        None => Ok(()),
                    };
                    match result {
                        Ok(()) => {
                            emit(Event::Healthy {
                                service: name.to_string(),
                                url: url.clone(),
                                checked: probe.is_some(),
                                took: started.elapsed(),
                                kept: false,
                            });
                            return Ok(Ready {
                                service: name.to_string(),
                                container,
                                url,
                            });
                        }
                        Err(error) => last_error = error,
                    }
                }
                Some(TaskState::STARTING) if container.is_some() => {
                    // Swarm holds a task in `starting` until its health check passes.
                    last_error = self
                        .health_output(&container.unwrap_or_default())
                        .await
                        .map_or_else(
                            || task_error("its task is starting".to_string()),
                            |output| task_error(format!("its health check fails: {output}")),
                        );
                }
                Some(state) => last_error = task_error(format!("its task is {state}")),
                None => {}
            }
            if Instant::now() >= deadline {
                let logs = match &task
                    .and_then(|t| t.status)
                    .and_then(|s| s.container_status)
                    .and_then(|c| c.container_id)
                {
                    Some(id) if !id.is_empty() => self.tail_logs(id, FAILURE_LOG_LINES).await,
                    _ => Vec::new(),
                };
                return Err(EngineError::Unhealthy {
                    service: name.to_string(),
                    timeout,
                    last_error: Box::new(last_error),
                    port: compose.ports.first().map(|p| p.target),
                    listening: Vec::new(),
                    logs,
                });
            }
            tokio::time::sleep(delays.next().expect("backoff never ends")).await;
        }
    }

    /// The last output of the container's failing health check.
    async fn health_output(&self, container: &str) -> Option<String> {
        let inspect = self
            .docker()
            .inspect_container(
                container,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .ok()?;
        let last = inspect.state?.health?.log?.pop()?;
        Some(last.output?.trim().to_string()).filter(|o| !o.is_empty())
    }

    /// The service's most recent task.
    async fn latest_task(
        &self,
        service: &str,
    ) -> Result<Option<bollard::models::Task>, EngineError> {
        let filters = HashMap::from([("service".to_string(), vec![service.to_string()])]);
        let tasks = self
            .docker()
            .list_tasks(Some(
                ListTasksOptionsBuilder::default().filters(&filters).build(),
            ))
            .await
            .map_err(request_failed(format!("list the tasks of {service}")))?;
        Ok(tasks
            .into_iter()
            .max_by_key(|t| t.version.as_ref().and_then(|v| v.index).unwrap_or(0)))
    }

    /// Removes what a deploy of `project` made: its services (waiting until their
    /// containers are gone), configs and network (waiting until it is gone, or the next
    /// deploy cannot make it again); its volumes only when asked.
    pub(crate) async fn remove_swarm(
        &self,
        project: &str,
        volumes: bool,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        let ours = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={project}", label::PROJECT),
                format!("{NAMESPACE}={project}"),
            ],
        )]);
        let services = self
            .docker()
            .list_services(Some(
                ListServicesOptionsBuilder::default().filters(&ours).build(),
            ))
            .await
            .map_err(request_failed("list swarm services"))?;
        for service in &services {
            let Some(id) = &service.id else { continue };
            self.docker()
                .delete_service(id)
                .await
                .map_err(request_failed(format!("remove swarm service {id}")))?;
            let name = service
                .spec
                .as_ref()
                .and_then(|s| s.labels.as_ref())
                .and_then(|l| l.get(label::SERVICE).cloned())
                .unwrap_or_default();
            emit(Event::ContainerRemoved { service: name });
        }
        // Task containers go after their services, and the network only after them. A
        // finished job's container stays behind on Engine 20.10: removed here.
        let tasks = HashMap::from([("label".to_string(), vec![format!("{NAMESPACE}={project}")])]);
        let deadline = Instant::now() + REMOVAL_TIMEOUT;
        loop {
            let left = self
                .docker()
                .list_containers(Some(
                    ListContainersOptionsBuilder::default()
                        .all(true)
                        .filters(&tasks)
                        .build(),
                ))
                .await
                .map_err(request_failed("list swarm task containers"))?;
            let mut running = false;
            for container in left {
                let Some(id) = container.id else { continue };
                if container.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING) {
                    running = true;
                } else {
                    self.remove_container(&id).await?;
                }
            }
            if !running || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let configs = self
            .docker()
            .list_configs(Some(
                ListConfigsOptionsBuilder::default().filters(&ours).build(),
            ))
            .await
            .map_err(request_failed("list swarm configs"))?;
        for config in configs {
            if let Some(id) = config.id {
                self.docker()
                    .delete_config(&id)
                    .await
                    .map_err(request_failed(format!("remove swarm config {id}")))?;
            }
        }
        let network = swarm_name(project, "default");
        let networks: Vec<_> = self
            .networks_named(&network)
            .await?
            .into_iter()
            .filter(|n| n.project == project)
            .collect();
        if !networks.is_empty() {
            for found in &networks {
                self.remove_network(&found.id, &network).await?;
            }
            // Swarm removes an overlay network in the background; deploying again before
            // it is gone would fail.
            while !self.networks_named(&network).await?.is_empty() {
                if Instant::now() >= deadline {
                    return Err(EngineError::Lingering {
                        what: "network",
                        name: network,
                    });
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            emit(Event::NetworkRemoved { name: network });
        }
        if volumes {
            let listed = self
                .docker()
                .list_volumes(Some(
                    ListVolumesOptionsBuilder::default().filters(&ours).build(),
                ))
                .await
                .map_err(request_failed("list volumes"))?;
            for volume in listed.volumes.unwrap_or_default() {
                self.docker()
                    .remove_volume(
                        &volume.name,
                        None::<bollard::query_parameters::RemoveVolumeOptions>,
                    )
                    .await
                    .map_err(request_failed(format!("remove volume {}", volume.name)))?;
                emit(Event::VolumeRemoved { name: volume.name });
            }
        }
        Ok(())
    }
}

/// Labels of everything a deploy makes: stack's project, and `docker stack`'s namespace.
fn labels(project: &str) -> HashMap<String, String> {
    HashMap::from([
        (label::PROJECT.to_string(), project.to_string()),
        (NAMESPACE.to_string(), project.to_string()),
    ])
}

fn seconds_to_nanos(text: &str) -> Option<i64> {
    let duration = humantime::parse_duration(text).ok()?;
    i64::try_from(duration.as_nanos()).ok()
}

/// The swarm service for one Compose service.
fn service_spec(
    project: &str,
    name: &str,
    compose: &ComposeService,
    network: &str,
    config_ids: &BTreeMap<String, (String, String)>,
) -> ServiceSpec {
    let job = compose.deploy.mode == "replicated-job";
    let mounts = compose
        .volumes
        .iter()
        .map(|volume| {
            let named = volume.kind == "volume";
            Mount {
                typ: Some(if named {
                    MountType::VOLUME
                } else {
                    MountType::BIND
                }),
                source: Some(if named {
                    swarm_name(project, &volume.source)
                } else {
                    volume.source.clone()
                }),
                target: Some(volume.target.clone()),
                read_only: Some(volume.read_only),
                volume_options: named.then(|| MountVolumeOptions {
                    labels: Some(labels(project)),
                    ..MountVolumeOptions::default()
                }),
                ..Mount::default()
            }
        })
        .collect();
    let configs = compose
        .configs
        .iter()
        .filter_map(|mount| {
            let (id, full) = config_ids.get(&mount.source)?;
            Some(TaskSpecContainerSpecConfigs {
                config_id: Some(id.clone()),
                config_name: Some(full.clone()),
                file: Some(TaskSpecContainerSpecFile1 {
                    name: Some(mount.target.clone()),
                    uid: Some("0".to_string()),
                    gid: Some("0".to_string()),
                    mode: Some(0o444),
                }),
                ..TaskSpecContainerSpecConfigs::default()
            })
        })
        .collect();
    let health_check = compose.healthcheck.as_ref().map(|check| HealthConfig {
        test: Some(check.test.clone()),
        interval: seconds_to_nanos(&check.interval),
        timeout: seconds_to_nanos(&check.timeout),
        retries: Some(i64::from(check.retries)),
        start_period: seconds_to_nanos(&check.start_period),
        ..HealthConfig::default()
    });
    let ports = compose
        .ports
        .iter()
        .map(|port| EndpointPortConfig {
            protocol: Some(EndpointPortConfigProtocolEnum::TCP),
            target_port: Some(i64::from(port.target)),
            published_port: port.published.map(i64::from),
            publish_mode: Some(if port.mode == "host" {
                EndpointPortConfigPublishModeEnum::HOST
            } else {
                EndpointPortConfigPublishModeEnum::INGRESS
            }),
            ..EndpointPortConfig::default()
        })
        .collect();
    let mut service_labels = labels(project);
    service_labels.insert(label::SERVICE.to_string(), name.to_string());
    ServiceSpec {
        name: Some(swarm_name(project, name)),
        labels: Some(service_labels),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(compose.image.clone()),
                labels: Some(HashMap::from([(
                    NAMESPACE.to_string(),
                    project.to_string(),
                )])),
                args: compose.command.clone(),
                env: Some(
                    compose
                        .environment
                        .iter()
                        .map(|(key, value)| format!("{key}={value}"))
                        .collect(),
                ),
                mounts: Some(mounts),
                configs: Some(configs),
                health_check,
                // As under `up`: an init process, so a stop is prompt.
                init: Some(true),
                ..TaskSpecContainerSpec::default()
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(if compose.deploy.restart_policy.condition == "none" {
                    TaskSpecRestartPolicyConditionEnum::NONE
                } else {
                    TaskSpecRestartPolicyConditionEnum::ANY
                }),
                ..TaskSpecRestartPolicy::default()
            }),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(network.to_string()),
                aliases: Some(vec![name.to_string()]),
                ..NetworkAttachmentConfig::default()
            }]),
            ..TaskSpec::default()
        }),
        mode: Some(if job {
            ServiceSpecMode {
                replicated_job: Some(ServiceSpecModeReplicatedJob {
                    max_concurrent: Some(1),
                    total_completions: Some(1),
                }),
                ..ServiceSpecMode::default()
            }
        } else {
            ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated {
                    replicas: compose.deploy.replicas.and_then(|r| i64::try_from(r).ok()),
                }),
                ..ServiceSpecMode::default()
            }
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(if compose.deploy.endpoint_mode == "dnsrr" {
                EndpointSpecModeEnum::DNSRR
            } else {
                EndpointSpecModeEnum::VIP
            }),
            ports: Some(ports),
        }),
        ..ServiceSpec::default()
    }
}
