//! Failures talking to the Docker engine or running what it started.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::listening::Socket;
use crate::engine::probe_error::ProbeError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum EngineError {
    #[error("no Docker engine answered (tried {})", .tried.join(", "))]
    Unreachable {
        /// Each endpoint tried, with where it came from and why it failed.
        tried: Vec<String>,
    },
    #[error("the Docker engine at {host} ({origin}) did not answer")]
    Refused {
        host: String,
        origin: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("cannot read the docker context `{context}` from {path}")]
    Context {
        context: String,
        path: String,
        reason: String,
    },
    #[error("Docker engine request failed: {action}")]
    Request {
        action: String,
        #[source]
        source: bollard::errors::Error,
    },
    /// The engine answered at first and then stopped: its socket closed, a stream broke.
    #[error("lost the Docker engine while trying to {action}")]
    Lost {
        action: String,
        /// Shared: every service waiting on the engine learns of the same loss.
        #[source]
        source: Option<Arc<bollard::errors::Error>>,
    },
    #[error("service `{service}`: build failed{}: {message}", .step.as_ref().map(|s| format!(" at {s}")).unwrap_or_default())]
    BuildFailed {
        service: String,
        /// "Step 4/9 : RUN pip install -r requirements.txt".
        step: Option<String>,
        message: String,
        /// The failing step's output, last lines.
        output: Vec<String>,
    },
    #[error("service `{service}` {}", crash_text(*.exit_code, *.oom, *.task))]
    Crashed {
        service: String,
        exit_code: i64,
        /// The kernel killed it for using more memory than it may.
        oom: bool,
        task: bool,
        logs: Vec<String>,
    },
    #[error("service `{service}` did not become healthy within {}: {last_error}", humantime::format_duration(*.timeout))]
    Unhealthy {
        service: String,
        timeout: Duration,
        /// Boxed: an error is passed around far more often than this one is made.
        last_error: Box<ProbeError>,
        /// The port the check went to, when it went through one.
        port: Option<u16>,
        /// What listens inside the container, when the check could not connect.
        listening: Vec<Socket>,
        logs: Vec<String>,
    },
    #[error("service `{service}`: host port {host_ip}:{port} is already in use")]
    PortInUse {
        service: String,
        host_ip: String,
        port: u16,
    },
    /// `stack ci`'s readiness deadline passed with services not ready.
    #[error("{} not ready within {}", names(.services), humantime::format_duration(*.timeout))]
    NotReadyInTime {
        timeout: Duration,
        services: Vec<String>,
        /// Per service: where it stood, its last probe result and its last log lines.
        report: Vec<String>,
    },
    #[error("{what} `{name}` exists but does not belong to project `{project}`")]
    Foreign {
        what: &'static str,
        name: String,
        project: String,
    },
    /// The engine counts an endpoint on the network that no container has any more.
    #[error(
        "network `{name}` cannot be removed: the engine still counts an endpoint on it, though no container is attached"
    )]
    NetworkStuck { name: String },
    #[error("service `{dependent}` cannot start: `{dependency}` failed")]
    DependencyFailed {
        dependent: String,
        dependency: String,
    },
    #[error("this Docker engine is not a swarm manager")]
    NoSwarm,
    #[error("service `{service}`: the swarm rejected its task: {message}")]
    TaskRejected { service: String, message: String },
    #[error("{what} `{name}` is still there after its removal")]
    Lingering { what: &'static str, name: String },
    #[error("project `{project}` is up on this engine (`stack up`)")]
    LocallyUp { project: String },
    #[error("service `{service}`: cannot push {image}: {message}")]
    PushFailed {
        service: String,
        image: String,
        message: String,
    },
    #[error("service `{service}`: image {image} is not here and could not be pulled: {message}")]
    PullFailed {
        service: String,
        image: String,
        message: String,
    },
}

/// For `map_err`: a failed engine request, saying what stack was doing.
pub(crate) fn request_failed(
    action: impl Into<String>,
) -> impl FnOnce(bollard::errors::Error) -> EngineError {
    let action = action.into();
    move |source| EngineError::request(action, source)
}

/// Whether an error means the engine itself went away (its socket closed or stopped
/// answering), rather than the engine answering with an error.
pub(crate) fn is_lost(error: &bollard::errors::Error) -> bool {
    use bollard::errors::Error;
    matches!(
        error,
        Error::IOError { .. }
            | Error::HyperResponseError { .. }
            | Error::HyperLegacyError { .. }
            | Error::RequestTimeoutError
            | Error::SocketNotFoundError(_)
    )
}

/// "service `a` was", "services `a`, `b` were".
fn names(services: &[String]) -> String {
    let quoted: Vec<String> = services.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [one] => format!("service {one} was"),
        _ => format!("services {} were", quoted.join(", ")),
    }
}

/// `exited with code 3 (task)`, `was killed: out of memory (exit code 137)`.
fn crash_text(exit_code: i64, oom: bool, task: bool) -> String {
    let task = if task { " (task)" } else { "" };
    if oom {
        format!("was killed: out of memory (exit code {exit_code}){task}")
    } else {
        format!("exited with code {exit_code}{task}")
    }
}

impl EngineError {
    /// The service the error is about, when it is about one.
    pub(crate) fn service(&self) -> Option<&str> {
        match self {
            EngineError::BuildFailed { service, .. }
            | EngineError::Crashed { service, .. }
            | EngineError::Unhealthy { service, .. }
            | EngineError::PortInUse { service, .. }
            | EngineError::PullFailed { service, .. } => Some(service),
            _ => None,
        }
    }

    /// The message without the service's name in front: what a line about that service
    /// says (`exited with code 3`).
    pub(crate) fn summary(&self) -> String {
        let text = self.to_string();
        let Some(service) = self.service() else {
            return text;
        };
        match text.strip_prefix(&format!("service `{service}`")) {
            Some(rest) => rest.trim_start_matches(':').trim_start().to_string(),
            None => text,
        }
    }

    /// A failed request: `Lost` when the engine went away, `Request` when it answered.
    pub(crate) fn request(
        action: impl Into<String>,
        source: bollard::errors::Error,
    ) -> EngineError {
        let action = action.into();
        if is_lost(&source) {
            EngineError::Lost {
                action,
                source: Some(Arc::new(source)),
            }
        } else {
            EngineError::Request { action, source }
        }
    }

    /// Lines shown under the error: build output or the service's last log lines.
    pub(crate) fn details(&self) -> (&'static str, &[String]) {
        match self {
            EngineError::BuildFailed { output, .. } => ("output of the failing step", output),
            EngineError::Crashed { logs, .. } | EngineError::Unhealthy { logs, .. } => {
                ("last log lines", logs)
            }
            EngineError::NotReadyInTime { report, .. } => {
                ("last probe results and log lines", report)
            }
            _ => ("", &[]),
        }
    }

    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            EngineError::Unreachable { .. } => Some(
                "start Docker (`sudo systemctl start docker`, `sudo dockerd &`, or Docker Desktop), \
                 or point DOCKER_HOST at a running engine, e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock"
                    .to_string(),
            ),
            EngineError::Refused { origin, .. } => Some(format!(
                "check that the engine is running and that you may use its socket (member of the `docker` group); the address came from {origin}"
            )),
            EngineError::Context { reason, .. } => Some(format!(
                "{reason}; run `docker context use default` or set DOCKER_HOST"
            )),
            EngineError::BuildFailed { service, .. } => Some(format!(
                "`stack dockerfile {service}` shows the Dockerfile; `stack build` retries the builds that are not done"
            )),
            EngineError::Lost { .. } => Some(
                "the engine stopped answering (stopped, restarted or crashed): check it with `docker version` or `stack doctor`, then run the command again".to_string(),
            ),
            EngineError::Crashed { service, oom: true, .. } => Some(format!(
                "`{service}` needs more memory than its container may use; `stack logs {service}` shows what it printed"
            )),
            EngineError::Crashed { service, .. } => Some(format!("`stack logs {service}` shows everything it printed")),
            EngineError::Unhealthy {
                service,
                last_error,
                port,
                listening,
                ..
            } => Some(last_error.hint(service, *port, listening)),
            EngineError::PortInUse { service, port, .. } => Some(format!(
                "stop what uses port {port}, or remove `host_port` from `{service}` to let the engine pick a free port"
            )),
            EngineError::PullFailed { image, .. } => Some(format!(
                "check the name and your registry access, or make the image locally (`docker build -t {image} .` or `docker load`)"
            )),
            EngineError::NoSwarm => Some("`docker swarm init` makes this engine a one-node swarm; on a worker node, deploy from a manager".to_string()),
            EngineError::TaskRejected { .. } => Some("a multi-node swarm pulls images from a registry: `stack push` them, with the same `--registry` as the deploy".to_string()),
            EngineError::Lingering { .. } => Some("`docker network inspect` shows what still uses it; run `stack down --swarm` again".to_string()),
            EngineError::LocallyUp { .. } => Some("`stack down` first: a deploy would use the same volumes".to_string()),
            EngineError::PushFailed { .. } => Some(
                "check that the registry answers (`curl http://HOST:PORT/v2/`) and that Docker may use it: registries other than 127.0.0.0/8 need TLS or `insecure-registries` in daemon.json".to_string(),
            ),
            EngineError::Foreign { .. } => Some("stack never touches what it did not create: rename the project (`name:`) or remove that object yourself".to_string()),
            EngineError::NetworkStuck { .. } => Some(
                "a known engine bug after many containers are removed at once (moby#42119): only restarting the engine frees the network; `stack up` reuses it meanwhile".to_string(),
            ),
            EngineError::NotReadyInTime { .. } => Some(
                "`stack ci --timeout 10m` waits longer; `stack ci --keep` leaves the environment up to look at it".to_string(),
            ),
            EngineError::DependencyFailed { .. } | EngineError::Request { .. } => None,
        }
    }
}
