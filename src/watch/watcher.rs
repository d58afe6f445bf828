//! The operating system's file events (inotify through `notify`), one non-recursive watch
//! per folder, debounced by `notify-debouncer-full` into batches of changed paths.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, new_debouncer_opt};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// How long a path must be quiet before its change is passed on: an editor's save (write,
/// rename, chmod) arrives as one change, and the wait stays far below what a person
/// notices.
const QUIET: Duration = Duration::from_millis(50);

/// How often the debouncer looks for quiet paths. Each look is a lock and a map scan:
/// waking 100 times a second costs well under 1% of a core.
const TICK: Duration = Duration::from_millis(10);

/// Changed paths, from one or more debounced rounds that arrived together.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) paths: BTreeSet<PathBuf>,
    /// Folders that appeared: their contents are read, and they are watched if kept.
    pub(crate) new_dirs: BTreeSet<PathBuf>,
    /// The kernel dropped events (its queue overflowed): anything may have changed.
    pub(crate) rescan: bool,
    /// What went wrong watching, one line each.
    pub(crate) errors: Vec<String>,
}

/// The watches and the stream of their batches.
pub(crate) struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, NoCache>,
    watched: BTreeSet<PathBuf>,
    rounds: UnboundedReceiver<DebounceEventResult>,
}

impl Watcher {
    pub(crate) fn new() -> Result<Watcher, notify::Error> {
        let (sender, rounds) = unbounded_channel();
        // No file-id cache: it would walk every watched root recursively, node_modules
        // included, which is what watching folder by folder avoids.
        let debouncer = new_debouncer_opt(
            QUIET,
            Some(TICK),
            move |round: DebounceEventResult| {
                let _ = sender.send(round);
            },
            NoCache,
            notify::Config::default(),
        )?;
        Ok(Watcher {
            debouncer,
            watched: BTreeSet::new(),
            rounds,
        })
    }

    /// Watches exactly `dirs`, each on its own: new ones are added, ones no longer wanted
    /// dropped. Returns the folders that could not be watched, with why.
    pub(crate) fn watch_exactly(&mut self, dirs: &BTreeSet<PathBuf>) -> Vec<String> {
        let stale: Vec<PathBuf> = self.watched.difference(dirs).cloned().collect();
        for dir in stale {
            // A folder deleted meanwhile lost its watch with it.
            let _ = self.debouncer.unwatch(&dir);
            self.watched.remove(&dir);
        }
        let fresh: Vec<PathBuf> = dirs.difference(&self.watched).cloned().collect();
        self.add(fresh)
    }

    /// Adds watches on `dirs`; returns the ones that failed, with why.
    pub(crate) fn add(&mut self, dirs: impl IntoIterator<Item = PathBuf>) -> Vec<String> {
        let mut errors = Vec::new();
        for dir in dirs {
            if self.watched.contains(&dir) {
                continue;
            }
            match self.debouncer.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                // Gone before it could be watched: nothing to follow there.
                Err(_) if !dir.exists() => {}
                Err(error) => errors.push(format!("cannot watch {}: {error}", dir.display())),
            }
        }
        errors
    }

    /// Forgets a folder that was deleted (its watch went with it).
    pub(crate) fn forget(&mut self, dir: &PathBuf) {
        if self.watched.remove(dir) {
            let _ = self.debouncer.unwatch(dir);
        }
    }

    /// How many folders are watched.
    pub(crate) fn len(&self) -> usize {
        self.watched.len()
    }

    /// Whether `dir` is watched.
    pub(crate) fn watches(&self, dir: &PathBuf) -> bool {
        self.watched.contains(dir)
    }

    /// The next batch of changes: the next debounced round and every round already
    /// waiting behind it. `None` once the watcher stopped.
    pub(crate) async fn next(&mut self) -> Option<Batch> {
        let first = self.rounds.recv().await?;
        let mut batch = Batch::default();
        batch.take(first);
        while let Ok(round) = self.rounds.try_recv() {
            batch.take(round);
        }
        Some(batch)
    }
}

impl Batch {
    fn take(&mut self, round: DebounceEventResult) {
        let events = match round {
            Ok(events) => events,
            Err(errors) => {
                self.errors.extend(errors.iter().map(ToString::to_string));
                return;
            }
        };
        for event in events {
            if event.need_rescan() {
                self.rescan = true;
            }
            match event.kind {
                // Reading a file (stack's own sync reads them) changes nothing; a write
                // shows as a modification too.
                EventKind::Access(AccessKind::Close(AccessMode::Write))
                | EventKind::Create(_)
                | EventKind::Modify(_)
                | EventKind::Remove(_)
                | EventKind::Any
                | EventKind::Other => {}
                EventKind::Access(_) => continue,
            }
            let created_dir = matches!(event.kind, EventKind::Create(CreateKind::Folder))
                || matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_))
                    && event.paths.iter().any(|p| p.is_dir());
            for path in &event.paths {
                if created_dir && path.is_dir() {
                    self.new_dirs.insert(path.clone());
                }
                self.paths.insert(path.clone());
            }
        }
    }
}
