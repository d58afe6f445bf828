//! Watching the engine's events for a project's containers: every death (`die`, with
//! `oom` and `kill` before it saying why) is seen the moment the engine reports it, for as
//! long as `up` runs and while a foreground `up` follows logs. The stream breaking means
//! the engine is gone, and everyone waiting on it is told so.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::query_parameters::EventsOptionsBuilder;
use futures_util::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::event::{Event, Events};
use crate::plan::spec::label;

/// How a container ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Exit {
    pub(crate) code: i64,
    /// The kernel killed it for using more memory than it may.
    pub(crate) oom: bool,
    /// The signal someone sent it before it died (`docker stop`, `stack restart`): it
    /// was stopped rather than crashed.
    pub(crate) signal: Option<String>,
}

/// A container of the project that stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Death {
    pub(crate) id: String,
    pub(crate) service: String,
    pub(crate) task: bool,
    /// A one-off container of `stack run`: its end is its own, not the service's.
    pub(crate) oneoff: bool,
    pub(crate) exit: Exit,
}

/// Everything seen so far, in the order the engine reported it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    pub(crate) deaths: Vec<Death>,
    /// The event stream broke or ended: the engine is gone.
    pub(crate) lost: Option<Option<Arc<bollard::errors::Error>>>,
}

impl Seen {
    /// The error for a lost engine, when it is lost.
    pub(crate) fn lost(&self) -> Option<EngineError> {
        self.lost.as_ref().map(|source| EngineError::Lost {
            action: "watch the project's containers".to_string(),
            source: source.clone(),
        })
    }
}

/// A running watch; it stops when dropped.
pub(crate) struct Supervisor {
    seen: watch::Receiver<Seen>,
    task: JoinHandle<()>,
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Engine {
    /// Starts watching `project`'s containers. Events since `since` are replayed by the
    /// engine, so nothing that happens between this call and the stream's start is missed.
    pub(crate) fn supervise(&self, project: &str, since: SystemTime) -> Supervisor {
        let filters = HashMap::from([
            ("label", vec![format!("{}={project}", label::PROJECT)]),
            ("type", vec!["container".to_string()]),
            ("event", ["die", "oom", "kill"].map(String::from).to_vec()),
        ]);
        let since = since
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let options = EventsOptionsBuilder::default()
            .since(&format!("{since:.9}"))
            .filters(&filters)
            .build();
        let mut stream = self.docker().events(Some(options));
        let (tx, seen) = watch::channel(Seen::default());
        let task = tokio::spawn(async move {
            let mut ooms: HashSet<String> = HashSet::new();
            let mut signals: HashMap<String, String> = HashMap::new();
            loop {
                let message = match stream.next().await {
                    Some(Ok(message)) => message,
                    Some(Err(error)) => {
                        tx.send_modify(|seen| seen.lost = Some(Some(Arc::new(error))));
                        return;
                    }
                    None => {
                        tx.send_modify(|seen| seen.lost = Some(None));
                        return;
                    }
                };
                let Some(actor) = message.actor else { continue };
                let (Some(id), attributes) = (actor.id, actor.attributes.unwrap_or_default())
                else {
                    continue;
                };
                match message.action.as_deref() {
                    Some("oom") => {
                        ooms.insert(id);
                    }
                    Some("kill") => {
                        let signal = attributes.get("signal").cloned().unwrap_or_default();
                        signals.insert(id, signal);
                    }
                    Some("die") => {
                        let death = Death {
                            service: attributes.get(label::SERVICE).cloned().unwrap_or_default(),
                            task: attributes.get(label::TASK).is_some_and(|t| t == "true"),
                            oneoff: attributes.get(label::ONEOFF).is_some_and(|t| t == "true"),
                            exit: Exit {
                                code: attributes
                                    .get("exitCode")
                                    .and_then(|c| c.parse().ok())
                                    .unwrap_or(-1),
                                oom: ooms.remove(&id),
                                signal: signals.remove(&id),
                            },
                            id,
                        };
                        tx.send_modify(|seen| seen.deaths.push(death));
                    }
                    _ => {}
                }
            }
        });
        Supervisor { seen, task }
    }
}

impl Engine {
    /// Says which of the project's containers stopped, from the `from`th death seen on,
    /// until the engine is lost (the error it returns) or the caller drops it. `crashes`
    /// collects the services that ended by themselves: no one sent them a signal. Deaths
    /// `expected` claims (a container the caller stops on purpose) are not reported.
    pub(crate) async fn report_exits(
        &self,
        mut deaths: Deaths,
        from: usize,
        events: &Events,
        crashes: &Mutex<Vec<Death>>,
        expected: &(dyn Fn(&Death) -> bool + Sync),
    ) -> EngineError {
        let mut next = from;
        loop {
            let seen = deaths.now();
            for death in seen.deaths.iter().skip(next) {
                if death.task || death.oneoff || expected(death) {
                    continue;
                }
                // A container already removed was replaced (a recreate) or taken down: its
                // service did not stop, it moved on.
                let Some(restarting) = self.restarts(&death.id).await else {
                    continue;
                };
                if death.exit.signal.is_none() {
                    crashes
                        .lock()
                        .expect("never poisoned: nothing panics while holding it")
                        .push(death.clone());
                }
                let _ = events.send(Event::Exited {
                    service: death.service.clone(),
                    exit_code: death.exit.code,
                    oom: death.exit.oom,
                    signal: death.exit.signal.clone(),
                    restarting,
                });
            }
            next = seen.deaths.len();
            if let Some(lost) = seen.lost() {
                return lost;
            }
            if deaths.changed().await.is_err() {
                return EngineError::Lost {
                    action: "watch the project's containers".to_string(),
                    source: None,
                };
            }
        }
    }

    /// Whether the engine starts the stopped container `id` again by itself (its restart
    /// policy); `None` when the container no longer exists.
    async fn restarts(&self, id: &str) -> Option<bool> {
        Some(self.container_state(id, None, "").await.ok()?.restarts)
    }
}

impl Supervisor {
    /// A view of what it sees, for the tasks that wait on it.
    pub(crate) fn deaths(&self) -> Deaths {
        Deaths(self.seen.clone())
    }
}

/// What a `Supervisor` sees; clones share it.
#[derive(Clone, Debug)]
pub(crate) struct Deaths(watch::Receiver<Seen>);

impl Deaths {
    /// Resolves when something new is seen; an error once the watch has stopped.
    pub(crate) async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        self.0.changed().await
    }

    /// Everything seen so far.
    pub(crate) fn now(&self) -> Seen {
        self.0.borrow().clone()
    }

    /// How the container `id` ended, once it has; an error when the engine went away.
    pub(crate) async fn exited(&self, id: &str) -> Result<Exit, EngineError> {
        let mut seen = self.0.clone();
        let found = seen
            .wait_for(|s| s.lost.is_some() || s.deaths.iter().any(|d| d.id == id))
            .await;
        let Ok(seen) = found else {
            // The watch task ended without a word: only aborting it does that.
            return Err(EngineError::Lost {
                action: "watch the project's containers".to_string(),
                source: None,
            });
        };
        if let Some(death) = seen.deaths.iter().find(|d| d.id == id) {
            return Ok(death.exit.clone());
        }
        Err(seen.lost().expect("waited for a death or a loss"))
    }
}
