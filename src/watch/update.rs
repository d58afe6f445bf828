//! One batch of changed paths turned into what each service must do: the smallest update
//! that is correct. A rebuild takes in every other change of its service (the new image
//! holds them); otherwise files are copied or deleted, then the container restarted or a
//! command run, as the rules say.

use std::path::{Path, PathBuf};

use crate::engine::sync::Copy;
use crate::watch::rules::{Effect, ServiceWatch, Then};

/// What one service must do about a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Update {
    pub(crate) service: String,
    /// Why it is rebuilt (`requirements.txt changed`); then nothing else is done.
    pub(crate) rebuild: Option<String>,
    /// Files to copy into the container.
    pub(crate) copies: Vec<Copy>,
    /// Paths to delete in the container.
    pub(crate) deletes: Vec<String>,
    /// Why it is restarted after the copies, if it is.
    pub(crate) restart: Option<String>,
    /// Commands to run after the copies, each once.
    pub(crate) exec: Vec<Vec<String>>,
}

impl Update {
    /// Whether there is nothing to do.
    pub(crate) fn is_empty(&self) -> bool {
        self.rebuild.is_none()
            && self.copies.is_empty()
            && self.deletes.is_empty()
            && self.restart.is_none()
            && self.exec.is_empty()
    }
}

/// The updates `changed` asks of each service in `watches`; `exists` says whether a path
/// is still on the host (copied when it is, deleted when it is not). Paths are named
/// relative to `root` (the project) in reasons, or to the service's folder inside it.
pub(crate) fn updates(
    watches: &[ServiceWatch],
    changed: &[PathBuf],
    root: &Path,
    exists: impl Fn(&Path) -> bool,
) -> Vec<Update> {
    let mut out = Vec::new();
    for watch in watches {
        let mut update = Update {
            service: watch.service.clone(),
            ..Update::default()
        };
        for path in changed {
            let Some(effect) = watch.effect(path) else {
                continue;
            };
            let shown = watch.shown(path, root);
            match effect {
                Effect::Rebuild => {
                    update
                        .rebuild
                        .get_or_insert_with(|| format!("{shown} changed"));
                }
                Effect::Restart => {
                    update
                        .restart
                        .get_or_insert_with(|| format!("{shown} changed"));
                }
                Effect::Sync { container, then } => {
                    if exists(path) {
                        update.copies.push(Copy {
                            host: path.clone(),
                            container,
                        });
                    } else {
                        update.deletes.push(container);
                    }
                    match then {
                        Then::Reload => {}
                        Then::Restart => {
                            update
                                .restart
                                .get_or_insert_with(|| format!("{shown} changed"));
                        }
                        Then::Exec(argv) => {
                            if !update.exec.contains(&argv) {
                                update.exec.push(argv);
                            }
                        }
                    }
                }
            }
        }
        if update.rebuild.is_some() {
            update.copies.clear();
            update.deletes.clear();
            update.restart = None;
            update.exec.clear();
        }
        update.copies.sort_by(|a, b| a.container.cmp(&b.container));
        update.copies.dedup();
        update.deletes.sort();
        update.deletes.dedup();
        if !update.is_empty() {
            out.push(update);
        }
    }
    out
}
