//! `stack ci`'s own parts: the command run on the host, and the report files.

pub(crate) mod host;
pub(crate) mod report;

/// How the command `stack ci` ran ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// It ended by itself, with this exit code.
    Exited(i64),
    /// A stop (Ctrl-C, SIGTERM) came first: it was stopped.
    Stopped,
}
