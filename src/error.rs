//! The library's error type and the one place exit codes are decided.

use std::path::PathBuf;

use crate::build::context::ContextError;
use crate::detect::error::DetectError;
use crate::engine::error::EngineError;
use crate::interrupts::Signal;
use crate::manifest::error::ManifestError;

/// Exit codes, documented in the README's table.
pub(crate) mod exit {
    pub(crate) const SUCCESS: i32 = 0;
    pub(crate) const FAILURE: i32 = 1;
    pub(crate) const USAGE: i32 = 2;
    pub(crate) const ENGINE_UNREACHABLE: i32 = 3;
    pub(crate) const BUILD_FAILED: i32 = 4;
    pub(crate) const UNHEALTHY: i32 = 5;
    /// `stack ci`: the environment did not come up, so the command did not run.
    pub(crate) const NOT_UP: i32 = 6;
    /// Stopped by Ctrl-C, as shells report SIGINT.
    pub(crate) const INTERRUPTED: i32 = 130;
    /// Stopped by SIGTERM (a cancelled CI job), as shells report it.
    pub(crate) const TERMINATED: i32 = 143;
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("no stack.yaml in {} or any parent directory", .0.display())]
    ManifestNotFound(PathBuf),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// `stack exec`: the command's own non-zero exit code, passed on silently.
    #[error("the command exited with code {0}")]
    Exited(i32),
    #[error("service `{service}`: cannot pack the build context")]
    Context {
        service: String,
        #[source]
        source: ContextError,
    },
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// `stack ci`: the environment did not come up (a build failed, a service crashed or
    /// was not ready in time); the command did not run.
    #[error("the environment did not come up: {0}")]
    NotUp(Box<Error>),
    /// Ctrl-C or SIGTERM stopped the command.
    #[error("interrupted")]
    Interrupted(Signal),
    /// An export that stack's own checks reject: a manifest it cannot translate soundly.
    #[error("the {target} export fails stack's own checks")]
    Export {
        target: &'static str,
        problems: Vec<String>,
    },
    #[error("cannot {action} {}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The one place exit codes are decided; the README's table lists them.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Error::ManifestNotFound(_)
            | Error::Manifest(_)
            | Error::Usage { .. }
            | Error::Detect(_) => exit::USAGE,
            Error::Engine(
                EngineError::Unreachable { .. }
                | EngineError::Refused { .. }
                | EngineError::Lost { .. }
                | EngineError::Context { .. },
            ) => exit::ENGINE_UNREACHABLE,
            Error::Engine(EngineError::BuildFailed { .. }) => exit::BUILD_FAILED,
            Error::Engine(
                EngineError::Crashed { .. }
                | EngineError::Unhealthy { .. }
                | EngineError::DependencyFailed { .. }
                | EngineError::TaskRejected { .. }
                | EngineError::NotReadyInTime { .. },
            ) => exit::UNHEALTHY,
            Error::Engine(
                EngineError::Request { .. }
                | EngineError::NetworkStuck { .. }
                | EngineError::PortInUse { .. }
                | EngineError::Foreign { .. }
                | EngineError::PullFailed { .. }
                | EngineError::PushFailed { .. }
                | EngineError::NoSwarm
                | EngineError::Lingering { .. }
                | EngineError::LocallyUp { .. },
            )
            | Error::Io { .. }
            | Error::Export { .. }
            | Error::Context { .. } => exit::FAILURE,
            Error::NotUp(_) => exit::NOT_UP,
            Error::Interrupted(Signal::Interrupt) => exit::INTERRUPTED,
            Error::Interrupted(Signal::Terminate) => exit::TERMINATED,
            Error::Exited(code) => *code,
        }
    }

    /// Extra lines shown under the message (build output, a service's last log lines).
    pub(crate) fn details(&self) -> (&'static str, &[String]) {
        match self {
            Error::Engine(engine) => engine.details(),
            Error::Export { problems, .. } => ("problems", problems),
            Error::NotUp(cause) => cause.details(),
            _ => ("", &[]),
        }
    }

    /// What the user can do about it, when there is something.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Error::ManifestNotFound(_) => {
                Some("run `stack init --write` to write one, or pass `--file PATH`".to_string())
            }
            Error::Manifest(_) => None,
            Error::Detect(detect) => detect.hint(),
            Error::Engine(engine) => engine.hint(),
            Error::Usage { hint, .. } => hint.clone(),
            Error::NotUp(cause) => cause.hint(),
            Error::Io { .. } | Error::Exited(_) | Error::Interrupted(_) => None,
            Error::Export { .. } => Some(
                "this is a bug in stack's translation or a manifest it cannot express; please report it with stack.yaml"
                    .to_string(),
            ),
            Error::Context { .. } => {
                Some("check the service directory and its .dockerignore".to_string())
            }
        }
    }
}
