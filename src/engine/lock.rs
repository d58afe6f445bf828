//! One `up`, `down`, `restart` or `build` of a project at a time, across terminals and CI
//! jobs that share an engine: a lock the engine itself holds.
//!
//! Networks are no mutex (Engine 20.10 lets two concurrent creates make two networks of
//! one name) and volume creation is idempotent; creating a container with a fixed name is
//! atomic (the second create gets 409). So the lock is a container that is never started,
//! `<project>-stack-lock`, made from a tiny image imported once from an empty archive (no
//! registry needed). Its labels say who holds it; a holder on this host whose process is
//! gone left it behind by crashing, and it is taken over.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, CreateImageOptionsBuilder};
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::plan::spec::label;

/// The lock containers' image: no files, one label.
const IMAGE: &str = "stack-lock";
const IMAGE_TAG: &str = "1";
/// How often a waiting command looks whether the lock is free.
const POLL: Duration = Duration::from_millis(200);

/// Labels of a lock container, beside the project's.
mod lock_label {
    pub(crate) const COMMAND: &str = "dev.stack.lock.command";
    pub(crate) const PID: &str = "dev.stack.lock.pid";
    pub(crate) const HOST: &str = "dev.stack.lock.host";
    pub(crate) const SINCE: &str = "dev.stack.lock.since";
}

/// The name of a project's lock container.
pub(crate) fn lock_name(project: &str) -> String {
    format!("{project}-stack-lock")
}

/// Who holds a project's lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Holder {
    /// `up`, `down`, `restart`, `build`.
    pub(crate) command: String,
    pub(crate) pid: u32,
    pub(crate) host: String,
    /// When it took the lock (RFC 3339).
    pub(crate) since: String,
    /// The holder runs on this machine.
    pub(crate) here: bool,
}

impl Holder {
    /// The holder a lock container's labels name.
    pub(crate) fn from_labels<S: std::hash::BuildHasher>(
        labels: &HashMap<String, String, S>,
    ) -> Holder {
        let get = |key: &str| labels.get(key).cloned().unwrap_or_default();
        let host = get(lock_label::HOST);
        Holder {
            command: get(lock_label::COMMAND),
            pid: get(lock_label::PID).parse().unwrap_or(0),
            here: host == this_host(),
            host,
            since: get(lock_label::SINCE),
        }
    }

    /// Whether a lock container's labels are a lock's.
    pub(crate) fn is_lock<S: std::hash::BuildHasher>(labels: &HashMap<String, String, S>) -> bool {
        labels.contains_key(lock_label::PID)
    }

    /// The holder ran on this machine and its process is gone: the lock was left behind.
    pub(crate) fn gone(&self) -> bool {
        self.here && !alive(self.pid)
    }
}

/// A held lock; `release` gives it back. A process that dies holding it leaves the
/// container behind, and the next command on this host takes it over.
#[must_use = "a lock is held until released"]
pub(crate) struct Lock {
    engine: Engine,
    id: String,
}

impl Lock {
    /// Gives the lock back. Errors are dropped: an engine that cannot be reached cannot be
    /// cleaned up, and a lock left behind on this host is taken over by the next command.
    pub(crate) async fn release(self) {
        let _ = self.engine.remove_container(&self.id).await;
    }
}

/// What one try at the lock found.
enum Attempt {
    Taken(Lock),
    Held {
        id: String,
        holder: Holder,
    },
    /// The lock vanished between the failed create and the look at it: try again.
    Gone,
}

impl Engine {
    /// Takes the project's lock for `command`, waiting while another process holds it
    /// (`waiting` is told who, once per holder).
    pub(crate) async fn lock(
        &self,
        project: &str,
        command: &str,
        waiting: &(dyn Fn(&Holder) + Sync),
    ) -> Result<Lock, EngineError> {
        let mut told: Option<Holder> = None;
        loop {
            match self.try_lock(project, command).await? {
                Attempt::Taken(lock) => return Ok(lock),
                Attempt::Gone => continue,
                Attempt::Held { id, holder } => {
                    if holder.gone() {
                        // Its process died without releasing it.
                        self.remove_container(&id).await?;
                        continue;
                    }
                    if told.as_ref() != Some(&holder) {
                        waiting(&holder);
                        told = Some(holder);
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    async fn try_lock(&self, project: &str, command: &str) -> Result<Attempt, EngineError> {
        let name = lock_name(project);
        let labels = HashMap::from([
            (label::PROJECT.to_string(), project.to_string()),
            (lock_label::COMMAND.to_string(), command.to_string()),
            (lock_label::PID.to_string(), std::process::id().to_string()),
            (lock_label::HOST.to_string(), this_host()),
            (
                lock_label::SINCE.to_string(),
                humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            ),
        ]);
        let body = ContainerCreateBody {
            image: Some(format!("{IMAGE}:{IMAGE_TAG}")),
            // Never started; the engine wants a command all the same.
            cmd: Some(vec!["stack-lock".to_string()]),
            labels: Some(labels),
            network_disabled: Some(true),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&name).build();
        let mut imported = false;
        loop {
            match self
                .docker()
                .create_container(Some(options.clone()), body.clone())
                .await
            {
                Ok(created) => {
                    return Ok(Attempt::Taken(Lock {
                        engine: self.clone(),
                        id: created.id,
                    }));
                }
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) if !imported => {
                    self.import_lock_image().await?;
                    imported = true;
                }
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 409, ..
                }) => return self.holder(project, &name).await,
                Err(source) => {
                    return Err(EngineError::request(
                        format!("create the lock {name}"),
                        source,
                    ));
                }
            }
        }
    }

    /// Gives back the project's lock when this process holds it: for a command cut short
    /// while the `Lock` was in a future that was dropped. Errors are dropped as in
    /// `Lock::release`.
    pub(crate) async fn release_own_lock(&self, project: &str) {
        let name = lock_name(project);
        if let Ok(Attempt::Held { id, holder }) = self.holder(project, &name).await
            && holder.here
            && holder.pid == std::process::id()
        {
            let _ = self.remove_container(&id).await;
        }
    }

    /// Who holds the lock container `name`; another project's container is refused.
    async fn holder(&self, project: &str, name: &str) -> Result<Attempt, EngineError> {
        let Some(inspect) = self
            .inspect_existing(name, &format!("the lock {name}"))
            .await?
        else {
            return Ok(Attempt::Gone);
        };
        let labels = inspect.config.and_then(|c| c.labels).unwrap_or_default();
        if labels.get(label::PROJECT).map(String::as_str) != Some(project)
            || !labels.contains_key(lock_label::PID)
        {
            return Err(EngineError::Foreign {
                what: "container",
                name: name.to_string(),
                project: project.to_string(),
            });
        }
        Ok(Attempt::Held {
            id: inspect.id.unwrap_or_else(|| name.to_string()),
            holder: Holder::from_labels(&labels),
        })
    }

    /// Makes the lock image from an empty archive: nothing to pull, nothing to store.
    async fn import_lock_image(&self) -> Result<(), EngineError> {
        let options = CreateImageOptionsBuilder::default()
            .from_src("-")
            .repo(IMAGE)
            .tag(IMAGE_TAG)
            .changes(vec!["LABEL dev.stack.lock=1".to_string()])
            .build();
        // An empty tar archive is two zero blocks.
        let empty = vec![0u8; 1024];
        let mut stream =
            self.docker()
                .create_image(Some(options), Some(bollard::body_full(empty.into())), None);
        while let Some(item) = stream.next().await {
            item.map_err(request_failed("import the lock image"))?;
        }
        Ok(())
    }
}

/// This machine's name, as the kernel knows it; where a lock's holder runs.
fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Whether process `pid` of this machine is alive. Without `/proc` nothing can be told,
/// and a lock is never taken from a process that might be alive. A zombie (killed, not yet
/// reaped by its parent) is gone: it will never release the lock.
fn alive(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    if pid == 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (command) S …`: the state follows the command, which may hold spaces.
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::alive;

    #[test]
    fn a_killed_child_not_yet_reaped_is_not_alive() {
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("sleep starts");
        assert!(alive(child.id()));
        child.kill().expect("kill it");
        // Not waited for yet: a zombie until `wait` reaps it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while alive(child.id()) {
            assert!(std::time::Instant::now() < deadline, "still alive");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.wait().expect("reap it");
    }

    #[test]
    fn this_process_is_alive_and_an_unused_pid_is_not() {
        assert!(alive(std::process::id()));
        // Above the kernel's largest pid (2^22).
        assert!(!alive(4_194_305));
        assert!(!alive(0));
    }
}
