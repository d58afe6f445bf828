//! Containers: create from a spec, start, stop, remove, inspect, and read their logs.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerSummaryStateEnum, EndpointSettings,
    HostConfig, Mount, MountType, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::engine::logs::timestamped_lines;
use crate::plan::plan::ObservedContainer;
use crate::plan::spec::{ContainerSpec, label};

/// A container of a project, as listed by the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProjectContainer {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) service: String,
    pub(crate) image: String,
    /// `running`, `exited`, `created`, …
    pub(crate) state: String,
    /// The engine's human status: "Up 3 minutes", "Exited (1) 2 seconds ago".
    pub(crate) status: String,
    pub(crate) created: i64,
    pub(crate) labels: BTreeMap<String, String>,
    /// (container port, host ip, host port) for each published port.
    pub(crate) ports: Vec<(u16, String, u16)>,
    /// A one-off container of `stack run`, not the service's own.
    pub(crate) oneoff: bool,
}

impl ProjectContainer {
    pub(crate) fn running(&self) -> bool {
        self.state == "running"
    }

    /// The exit code the engine's status line reports for a stopped container.
    pub(crate) fn exit_code(&self) -> Option<i64> {
        let rest = self.status.strip_prefix("Exited (")?;
        rest.split(')').next()?.parse().ok()
    }

    pub(crate) fn observed(&self) -> ObservedContainer {
        ObservedContainer {
            id: self.id.clone(),
            running: self.running(),
            exit_code: self.exit_code(),
            config_hash: self.labels.get(label::CONFIG_HASH).cloned(),
            config_parts: self.labels.get(label::CONFIG_PARTS).cloned(),
        }
    }
}

/// What a started container looks like from outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContainerState {
    pub(crate) running: bool,
    pub(crate) exit_code: Option<i64>,
    /// The kernel killed it for using more memory than it may.
    pub(crate) oom_killed: bool,
    /// The engine starts it again by itself when it stops (its restart policy).
    pub(crate) restarts: bool,
    /// The engine-chosen (or fixed) host port of the service's port.
    pub(crate) host_port: Option<u16>,
    /// The container's address on the project network.
    pub(crate) ip: Option<String>,
    pub(crate) started_at: Option<String>,
}

impl ContainerState {
    /// When the container last started.
    pub(crate) fn started(&self) -> Option<SystemTime> {
        engine_time(self.started_at.as_deref()?)
    }
}

/// A timestamp as the engine writes it: `2024-05-01T10:00:00.123456789Z`.
pub(crate) fn engine_time(stamp: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(stamp.trim_end_matches('Z')).ok()
}

/// Whether the engine answered with this HTTP status.
pub(crate) fn is_status(error: &bollard::errors::Error, code: u16) -> bool {
    matches!(error, bollard::errors::Error::DockerResponseServerError { status_code, .. } if *status_code == code)
}

impl Engine {
    /// The services' own containers (one per service), running or not: not the lock, not
    /// the one-off containers of `stack run`.
    pub(crate) async fn project_containers(
        &self,
        project: &str,
    ) -> Result<Vec<ProjectContainer>, EngineError> {
        let mut all = self.labelled_containers(project).await?;
        all.retain(|c| !c.oneoff);
        Ok(all)
    }

    /// Every container carrying the project's label and a service, running or not, the
    /// one-off containers of `stack run` included.
    pub(crate) async fn labelled_containers(
        &self,
        project: &str,
    ) -> Result<Vec<ProjectContainer>, EngineError> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{}={project}", label::PROJECT)],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .docker()
            .list_containers(Some(options))
            .await
            .map_err(request_failed("list containers".to_string()))?;
        let mut out: Vec<ProjectContainer> = list
            .into_iter()
            .filter_map(|c| {
                let labels: BTreeMap<String, String> =
                    c.labels.unwrap_or_default().into_iter().collect();
                let service = labels.get(label::SERVICE)?.clone();
                let oneoff = labels.get(label::ONEOFF).is_some_and(|v| v == "true");
                Some(ProjectContainer {
                    oneoff,
                    id: c.id?,
                    name: c
                        .names
                        .and_then(|n| n.into_iter().next())
                        .map(|n| n.trim_start_matches('/').to_string())
                        .unwrap_or_default(),
                    service,
                    image: c.image.unwrap_or_default(),
                    state: c
                        .state
                        .map(|s| match s {
                            ContainerSummaryStateEnum::EMPTY => String::new(),
                            other => other.to_string(),
                        })
                        .unwrap_or_default(),
                    status: c.status.unwrap_or_default(),
                    created: c.created.unwrap_or_default(),
                    labels,
                    ports: c
                        .ports
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|p| {
                            Some((p.private_port, p.ip.unwrap_or_default(), p.public_port?))
                        })
                        .collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.service.cmp(&b.service));
        Ok(out)
    }

    /// (service, container port, host port) of every port the project's running
    /// containers publish.
    pub(crate) async fn published_ports(
        &self,
        project: &str,
    ) -> Result<Vec<(String, u16, u16)>, EngineError> {
        let containers = self.project_containers(project).await?;
        Ok(containers
            .iter()
            .filter(|c| c.running())
            .flat_map(|c| {
                c.ports
                    .iter()
                    .map(|(private, _, public)| (c.service.clone(), *private, *public))
            })
            .collect())
    }

    /// Creates the container for a spec, publishing its port on `host_port` (asked of the
    /// engine explicitly, so the container keeps it across restarts; see `ports.rs`); a
    /// same-named container without our label is refused.
    pub(crate) async fn create_container(
        &self,
        spec: &ContainerSpec,
        host_port: Option<u16>,
    ) -> Result<String, EngineError> {
        self.create_from(spec, create_body(spec, host_port)).await
    }

    /// Creates `spec`'s container from `body`, then writes the spec's files into it.
    pub(crate) async fn create_from(
        &self,
        spec: &ContainerSpec,
        body: ContainerCreateBody,
    ) -> Result<String, EngineError> {
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        match self.docker().create_container(Some(options), body).await {
            Ok(response) => {
                self.write_files(&response.id, spec).await?;
                Ok(response.id)
            }
            Err(error) if is_status(&error, 409) => Err(EngineError::Foreign {
                what: "container",
                name: spec.name.clone(),
                project: spec.project.clone(),
            }),
            Err(source) => Err(EngineError::request(
                format!("create container {}", spec.name),
                source,
            )),
        }
    }

    /// Writes the spec's files into a created container, before it starts.
    async fn write_files(&self, id: &str, spec: &ContainerSpec) -> Result<(), EngineError> {
        if spec.files.is_empty() {
            return Ok(());
        }
        let mut archive = tar::Builder::new(Vec::new());
        for (path, contents) in &spec.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            archive
                .append_data(
                    &mut header,
                    path.trim_start_matches('/'),
                    contents.as_bytes(),
                )
                .expect("appending to an in-memory archive cannot fail");
        }
        let tar = archive
            .into_inner()
            .expect("finishing an in-memory archive cannot fail");
        let options = bollard::query_parameters::UploadToContainerOptionsBuilder::default()
            .path("/")
            .build();
        self.docker()
            .upload_to_container(id, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(request_failed(format!(
                "write files into container {}",
                spec.name
            )))
    }

    pub(crate) async fn start_container(&self, id: &str) -> Result<(), EngineError> {
        self.docker()
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(request_failed(format!("start container {id}")))
    }

    /// Stops with SIGTERM, then SIGKILL after `timeout` seconds; a stopped container is fine.
    pub(crate) async fn stop_container(&self, id: &str, timeout: i32) -> Result<(), EngineError> {
        let options = StopContainerOptionsBuilder::default().t(timeout).build();
        match self.docker().stop_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(error) if is_status(&error, 304) || is_status(&error, 404) => Ok(()),
            Err(source) => Err(EngineError::request(format!("stop container {id}"), source)),
        }
    }

    /// Removes a container (force stops it); anonymous volumes go with it, named ones stay.
    pub(crate) async fn remove_container(&self, id: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker().remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(error) if is_status(&error, 404) => Ok(()),
            Err(source) => Err(EngineError::request(
                format!("remove container {id}"),
                source,
            )),
        }
    }

    /// Container `name` as the engine describes it, or `None` when there is no such
    /// container; `what` names it in an error (`container shop-web`).
    pub(crate) async fn inspect_existing(
        &self,
        name: &str,
        what: &str,
    ) -> Result<Option<ContainerInspectResponse>, EngineError> {
        match self
            .docker()
            .inspect_container(name, None::<InspectContainerOptions>)
            .await
        {
            Ok(inspect) => Ok(Some(inspect)),
            Err(error) if is_status(&error, 404) => Ok(None),
            Err(source) => Err(EngineError::request(format!("inspect {what}"), source)),
        }
    }

    pub(crate) async fn container_state(
        &self,
        id: &str,
        port: Option<u16>,
        network: &str,
    ) -> Result<ContainerState, EngineError> {
        let inspect = self
            .docker()
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .map_err(request_failed(format!("inspect container {id}")))?;
        let state = inspect.state.unwrap_or_default();
        let settings = inspect.network_settings.unwrap_or_default();
        let policy = inspect
            .host_config
            .and_then(|h| h.restart_policy)
            .and_then(|p| p.name);
        let never_restarts = matches!(
            policy,
            None | Some(RestartPolicyNameEnum::NO | RestartPolicyNameEnum::EMPTY)
        );
        let host_port = port.and_then(|port| {
            settings
                .ports
                .as_ref()?
                .get(&format!("{port}/tcp"))?
                .as_ref()?
                .iter()
                .find_map(|binding| binding.host_port.as_ref()?.parse().ok())
        });
        let ip = settings
            .networks
            .as_ref()
            .and_then(|n| n.get(network))
            .and_then(|e| e.ip_address.clone())
            .filter(|ip| !ip.is_empty());
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            exit_code: if state.running.unwrap_or(false) {
                None
            } else {
                state.exit_code
            },
            oom_killed: state.oom_killed.unwrap_or(false),
            restarts: state.restarting.unwrap_or(false) || !never_restarts,
            host_port,
            ip,
            started_at: state.started_at,
        })
    }

    /// The last `lines` lines the container wrote, stdout and stderr in the order the
    /// engine received them: its stream sends each pipe's lines as they come, so they are
    /// put in order by the engine's timestamps.
    pub(crate) async fn tail_logs(&self, id: &str, lines: usize) -> Vec<String> {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .tail(&lines.to_string())
            .build();
        let mut stream = self.docker().logs(id, Some(options));
        let mut stamped = Vec::new();
        while let Some(Ok(chunk)) = stream.next().await {
            stamped.extend(timestamped_lines(&chunk));
        }
        in_time_order(stamped)
    }
}

/// What the engine is asked to create for `spec`, its port published on `host_port`
/// (`None`: one the engine picks).
pub(crate) fn create_body(spec: &ContainerSpec, host_port: Option<u16>) -> ContainerCreateBody {
    let port_key = spec
        .publish
        .as_ref()
        .map(|p| format!("{}/tcp", p.container_port));
    let port_bindings = spec.publish.as_ref().map(|p| {
        HashMap::from([(
            format!("{}/tcp", p.container_port),
            Some(vec![PortBinding {
                host_ip: Some(p.host_ip.clone()),
                host_port: Some(host_port.map(|h| h.to_string()).unwrap_or_default()),
            }]),
        )])
    });
    let mounts = spec
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.target.clone()),
            source: Some(m.source.clone()),
            typ: Some(if m.kind == "bind" {
                MountType::BIND
            } else {
                MountType::VOLUME
            }),
            read_only: Some(m.read_only),
            ..Default::default()
        })
        .collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        cmd: spec.command.clone(),
        labels: Some(spec.labels().into_iter().collect()),
        exposed_ports: port_key.map(|k| vec![k]),
        host_config: Some(HostConfig {
            // An init as PID 1 forwards signals and reaps zombies, so stop is prompt.
            init: Some(true),
            port_bindings,
            mounts: Some(mounts),
            network_mode: Some(spec.network.clone()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::NO),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                spec.network.clone(),
                EndpointSettings {
                    aliases: Some(vec![spec.service.clone()]),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

/// Lines in the order of their timestamps (a stable sort: lines without one stay put
/// after the line before them).
pub(crate) fn in_time_order(mut stamped: Vec<(Option<f64>, String)>) -> Vec<String> {
    let mut last = f64::MIN;
    for (stamp, _) in &mut stamped {
        last = stamp.unwrap_or(last);
        *stamp = Some(last);
    }
    stamped.sort_by(|(a, _), (b, _)| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    stamped.into_iter().map(|(_, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use super::in_time_order;

    #[test]
    fn lines_from_two_pipes_are_put_in_time_order() {
        let stamped = vec![
            (Some(1.0), "one".to_string()),
            (Some(3.0), "three".to_string()),
            (Some(2.0), "two".to_string()),
            (None, "two, continued".to_string()),
        ];
        assert_eq!(
            in_time_order(stamped),
            ["one", "two", "two, continued", "three"]
        );
    }
}
