//! The one-off containers of `stack run`: a service's container spec run once with
//! another command, on the project's network but without the service's name on it (its
//! DNS name stays the service's own) and without its published port (which the service's
//! own container holds). Labelled `dev.stack.oneoff`, so `up`, `stop` and `ps` never take
//! one for the service's container, and `down` removes them all.

use bollard::query_parameters::{
    AttachContainerOptionsBuilder, KillContainerOptionsBuilder, WaitContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::engine::attach::{Io, Tty};
use crate::engine::client::Engine;
use crate::engine::container::{create_body, is_status};
use crate::engine::error::{EngineError, request_failed};
use crate::engine::exec::Process;
use crate::plan::spec::{ContainerSpec, label};

impl Engine {
    /// Creates the one-off container `spec.name` running `process` (the spec's own
    /// command when `process.argv` is empty); `stdin`: its stdin is attached and closes
    /// when the input ends.
    pub(crate) async fn create_oneoff(
        &self,
        spec: &ContainerSpec,
        process: &Process,
        stdin: bool,
    ) -> Result<String, EngineError> {
        let spec = ContainerSpec {
            publish: None,
            command: if process.argv.is_empty() {
                spec.command.clone()
            } else {
                Some(process.argv.clone())
            },
            ..spec.clone()
        };
        let mut body = create_body(&spec, None);
        if let Some(labels) = &mut body.labels {
            labels.insert(label::ONEOFF.to_string(), "true".to_string());
        }
        if let Some(env) = &mut body.env {
            env.extend(process.env.iter().cloned());
        }
        if let Some(endpoints) = body
            .networking_config
            .as_mut()
            .and_then(|n| n.endpoints_config.as_mut())
        {
            for endpoint in endpoints.values_mut() {
                endpoint.aliases = None;
            }
        }
        body.tty = Some(process.tty);
        body.user.clone_from(&process.user);
        body.working_dir.clone_from(&process.workdir);
        body.attach_stdin = Some(stdin);
        body.attach_stdout = Some(true);
        body.attach_stderr = Some(true);
        body.open_stdin = Some(stdin);
        body.stdin_once = Some(stdin);
        self.create_from(&spec, body).await
    }

    /// Starts the created one-off container `id` wired to `io` and returns its exit code
    /// once it has ended.
    pub(crate) async fn run_attached(
        &self,
        id: &str,
        tty: bool,
        io: Io<'_>,
    ) -> Result<i64, EngineError> {
        // Attached before it starts, so not a byte of its output is missed.
        let options = AttachContainerOptionsBuilder::default()
            .stdin(io.input.is_some())
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        let attached = self
            .docker()
            .attach_container(id, Some(options))
            .await
            .map_err(request_failed(format!("attach to container {id}")))?;
        self.start_container(id).await?;
        let resized = tty.then_some(Tty::Container(id));
        self.pump(
            &format!("container {id}"),
            attached.output,
            attached.input,
            io,
            resized,
        )
        .await?;
        self.exit_code(id).await
    }

    /// The exit code of container `id`, once it is not running.
    async fn exit_code(&self, id: &str) -> Result<i64, EngineError> {
        let options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let mut wait = self.docker().wait_container(id, Some(options));
        match wait.next().await {
            Some(Ok(response)) => Ok(response.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(source)) => Err(EngineError::request(
                format!("wait for container {id}"),
                source,
            )),
            None => Err(EngineError::Lost {
                action: format!("wait for container {id}"),
                source: None,
            }),
        }
    }

    /// Sends `signal` to container `id`; one that already stopped is fine.
    pub(crate) async fn signal(&self, id: &str, signal: &str) -> Result<(), EngineError> {
        let options = KillContainerOptionsBuilder::default()
            .signal(signal)
            .build();
        match self.docker().kill_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(error) if is_status(&error, 409) || is_status(&error, 404) => Ok(()),
            Err(source) => Err(EngineError::request(
                format!("send {signal} to container {id}"),
                source,
            )),
        }
    }
}
