//! Running a command in a service's container, its output passed through.

use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;

/// Where exec output goes: (is_stderr, bytes).
pub(crate) type Sink<'a> = &'a mut (dyn FnMut(bool, &[u8]) + Send);

impl Engine {
    /// Runs `argv` in `container` and returns its exit code.
    pub(crate) async fn exec(
        &self,
        container: &str,
        argv: &[String],
        sink: Sink<'_>,
    ) -> Result<i64, EngineError> {
        let request = |source| EngineError::request(format!("exec in {container}"), source);
        let options = CreateExecOptions {
            cmd: Some(argv.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let created = self
            .docker()
            .create_exec(container, options)
            .await
            .map_err(request)?;
        match self
            .docker()
            .start_exec(&created.id, None)
            .await
            .map_err(request)?
        {
            StartExecResults::Attached { mut output, .. } => {
                while let Some(Ok(chunk)) = output.next().await {
                    match chunk {
                        bollard::container::LogOutput::StdErr { message } => sink(true, &message),
                        bollard::container::LogOutput::StdOut { message }
                        | bollard::container::LogOutput::Console { message } => {
                            sink(false, &message)
                        }
                        bollard::container::LogOutput::StdIn { .. } => {}
                    }
                }
            }
            StartExecResults::Detached => {}
        }
        let inspect = self
            .docker()
            .inspect_exec(&created.id)
            .await
            .map_err(request)?;
        Ok(inspect.exit_code.unwrap_or(-1))
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
