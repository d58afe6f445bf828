//! Running a command in a service's running container: stack's own checks, and `stack
//! exec` wired to this terminal or these pipes. The exit code is the command's.

use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};

use crate::engine::attach::{Io, Sink, Tty};
use crate::engine::client::Engine;
use crate::engine::error::EngineError;

/// How long, after its output ended, a command may take to be reported as exited.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// A command to run in a container, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Process {
    pub(crate) argv: Vec<String>,
    /// A pseudo-terminal: one stream of output, keys as the terminal sends them.
    pub(crate) tty: bool,
    /// `name`, `uid`, `name:group` or `uid:gid`; the image's user when `None`.
    pub(crate) user: Option<String>,
    /// The directory it runs in; the image's when `None`.
    pub(crate) workdir: Option<String>,
    /// `KEY=VALUE` set on top of the container's environment.
    pub(crate) env: Vec<String>,
}

impl Engine {
    /// Runs `argv` in `container` and returns its exit code.
    pub(crate) async fn exec(
        &self,
        container: &str,
        argv: &[String],
        sink: Sink<'_>,
    ) -> Result<i64, EngineError> {
        let process = Process {
            argv: argv.to_vec(),
            ..Process::default()
        };
        self.exec_attached(container, &process, Io::output(sink))
            .await
    }

    /// Runs `process` in `container` wired to `io`; returns its exit code.
    pub(crate) async fn exec_attached(
        &self,
        container: &str,
        process: &Process,
        io: Io<'_>,
    ) -> Result<i64, EngineError> {
        let request = |source| EngineError::request(format!("exec in {container}"), source);
        let options = CreateExecOptions {
            cmd: Some(process.argv.clone()),
            attach_stdin: Some(io.input.is_some()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(process.tty),
            user: process.user.clone(),
            working_dir: process.workdir.clone(),
            env: (!process.env.is_empty()).then(|| process.env.clone()),
            ..Default::default()
        };
        let created = self
            .docker()
            .create_exec(container, options)
            .await
            .map_err(request)?;
        let start = StartExecOptions {
            detach: false,
            tty: process.tty,
            output_capacity: None,
        };
        match self
            .docker()
            .start_exec(&created.id, Some(start))
            .await
            .map_err(request)?
        {
            StartExecResults::Attached { output, input } => {
                let tty = process.tty.then_some(Tty::Exec(&created.id));
                self.pump(&format!("exec in {container}"), output, input, io, tty)
                    .await?;
            }
            StartExecResults::Detached => {}
        }
        self.exec_exit_code(&created.id).await
    }

    /// The exit code of exec `id` once its output ended. The engine may still count it
    /// as running for a moment; one still running after `EXIT_GRACE` was detached from
    /// (Docker's detach keys) and keeps running: that is no failure.
    async fn exec_exit_code(&self, id: &str) -> Result<i64, EngineError> {
        let deadline = tokio::time::Instant::now() + EXIT_GRACE;
        loop {
            let inspect = self
                .docker()
                .inspect_exec(id)
                .await
                .map_err(|source| EngineError::request(format!("inspect exec {id}"), source))?;
            if inspect.running != Some(true) {
                return Ok(inspect.exit_code.unwrap_or(-1));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(0);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Runs `argv` in `container` and returns its exit code and output lines (stdout and
    /// stderr together): for stack's own commands in the container, checks and the like.
    pub(crate) async fn exec_capture(
        &self,
        container: &str,
        argv: &[String],
    ) -> Result<(i64, Vec<String>), EngineError> {
        let mut bytes = Vec::new();
        let code = self
            .exec(container, argv, &mut |_, chunk| {
                bytes.extend_from_slice(chunk)
            })
            .await?;
        let lines = String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| line.trim_end().to_string())
            .collect();
        Ok((code, lines))
    }
}
