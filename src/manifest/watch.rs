//! A service's `watch:` rules: what `stack watch` does when a file under a path changes,
//! when stack's defaults for the service's language are not what it needs.

use std::path::PathBuf;

use serde::Serialize;

/// What a rule does with a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) enum WatchAction {
    /// Copy the changed files into the running container (deleted ones are deleted).
    #[serde(rename = "sync")]
    Sync,
    /// Build the image again and recreate the container.
    #[serde(rename = "rebuild")]
    Rebuild,
    /// Restart the container.
    #[serde(rename = "restart")]
    Restart,
    /// Copy, then restart the container.
    #[serde(rename = "sync+restart")]
    SyncRestart,
    /// Copy, then run `exec` in the container.
    #[serde(rename = "sync+exec")]
    SyncExec,
}

impl WatchAction {
    /// Every action, as stack.yaml names them.
    pub(crate) const ALL: [WatchAction; 5] = [
        WatchAction::Sync,
        WatchAction::Rebuild,
        WatchAction::Restart,
        WatchAction::SyncRestart,
        WatchAction::SyncExec,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            WatchAction::Sync => "sync",
            WatchAction::Rebuild => "rebuild",
            WatchAction::Restart => "restart",
            WatchAction::SyncRestart => "sync+restart",
            WatchAction::SyncExec => "sync+exec",
        }
    }

    /// Whether the action copies files into the container (and so needs a `target`).
    pub(crate) fn syncs(self) -> bool {
        match self {
            WatchAction::Sync | WatchAction::SyncRestart | WatchAction::SyncExec => true,
            WatchAction::Rebuild | WatchAction::Restart => false,
        }
    }
}

/// One rule, validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct WatchRule {
    /// The file or folder watched: absolute, normalised, inside the project.
    pub(crate) path: PathBuf,
    pub(crate) action: WatchAction,
    /// Where `path` is copied to in the container, for the sync actions; `None`: the same
    /// place under the generated image's `/app`.
    pub(crate) target: Option<String>,
    /// `.dockerignore`-style patterns relative to `path`: changes they match do nothing.
    pub(crate) ignore: Vec<String>,
    /// The command `sync+exec` runs in the container after each sync.
    pub(crate) exec: Option<Vec<String>>,
    /// 1-based line of the rule in the manifest, for messages.
    #[serde(skip)]
    pub(crate) line: usize,
}
