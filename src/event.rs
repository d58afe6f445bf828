//! The one contract between the engine and the ui: what happened, to which service.

use std::time::Duration;

use serde::Serialize;

/// Something the engine did or saw. The ui decides how to show it (bars, lines or JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    /// The image of an `image:` service is not here: pulling it.
    PullStarted {
        service: String,
        image: String,
    },
    Pulled {
        service: String,
        image: String,
        #[serde(serialize_with = "seconds")]
        took: Duration,
    },
    /// The image with this content hash exists: nothing to build.
    BuildCached {
        service: String,
        image: String,
    },
    BuildStarted {
        service: String,
    },
    /// A Dockerfile step ran ("Step 3/9 : RUN pip install …"), or was reused from the
    /// engine's layer cache (`cached`).
    BuildStep {
        service: String,
        step: String,
        cached: bool,
    },
    /// One line of build output, kept for the failure report.
    BuildOutput {
        service: String,
        line: String,
    },
    BuildFinished {
        service: String,
        image: String,
        #[serde(serialize_with = "seconds")]
        took: Duration,
    },
    /// A built image is being pushed to a registry under this name.
    PushStarted {
        service: String,
        image: String,
        /// Layers the image has.
        layers: usize,
    },
    /// Another layer is in the registry (pushed, or there already).
    PushProgress {
        service: String,
        done: usize,
        layers: usize,
    },
    Pushed {
        service: String,
        image: String,
        #[serde(serialize_with = "seconds")]
        took: Duration,
    },
    NetworkCreated {
        name: String,
    },
    VolumeCreated {
        name: String,
    },
    /// The running container matches the manifest: left alone.
    ContainerUnchanged {
        service: String,
    },
    ContainerCreated {
        service: String,
    },
    ContainerRecreated {
        service: String,
        reason: String,
    },
    ContainerStarted {
        service: String,
    },
    /// The host port the service had (or was given) is taken by someone else: its
    /// container now publishes on `to`, and its URL changed.
    PortMoved {
        service: String,
        from: u16,
        to: u16,
    },
    /// Waiting on these dependencies before starting.
    Waiting {
        service: String,
        on: Vec<String>,
    },
    Healthy {
        service: String,
        /// `http://127.0.0.1:49153` when the service publishes a port.
        url: Option<String>,
        /// A health check passed; `false`: the service has none and stayed up.
        checked: bool,
        #[serde(serialize_with = "seconds")]
        took: Duration,
        /// The container was running before and was left alone: checked again, not
        /// started again.
        kept: bool,
    },
    /// A task exited 0.
    Completed {
        service: String,
        #[serde(serialize_with = "seconds")]
        took: Duration,
        /// It had exited 0 before and was not run again.
        kept: bool,
    },
    /// The service is why `up` failed; `message` says what happened (`exited with code 3`).
    Failed {
        service: String,
        message: String,
    },
    /// `up` ended before the service was started: `reason` says why.
    NotStarted {
        service: String,
        reason: String,
    },
    /// `up` ended while the service was running but not yet confirmed ready.
    NotReady {
        service: String,
        reason: String,
    },
    /// A signal stopped `up` before the service was ready, or after this run started it:
    /// `stopped` when this run stopped it again, else it was left as it was.
    Interrupted {
        service: String,
        stopped: bool,
    },
    /// A container stopped while a foreground `up` followed the logs.
    Exited {
        service: String,
        exit_code: i64,
        /// The kernel killed it for using more memory than it may.
        oom: bool,
        /// The signal it was sent first (someone stopped it: `docker stop`, `stack
        /// restart`); absent when it ended by itself.
        signal: Option<String>,
        /// The engine starts it again by itself (its restart policy).
        restarting: bool,
    },
    ContainerStopped {
        service: String,
    },
    /// `stack kill` sent the service's container a signal.
    Signalled {
        service: String,
        signal: String,
    },
    ContainerRemoved {
        service: String,
    },
    NetworkRemoved {
        name: String,
    },
    VolumeRemoved {
        name: String,
    },
    /// Older images of a service removed once the run that built a newer one is ready
    /// (the newest few are kept), by their tags or ids.
    OlderImagesRemoved {
        service: String,
        images: Vec<String>,
    },
    /// An image stack built for the project was removed (`down --rmi local`).
    ImageRemoved {
        image: String,
    },
    /// `stack watch` follows the files of these services, in `folders` directories; it
    /// took `took` to start.
    Watching {
        services: Vec<String>,
        folders: usize,
        #[serde(serialize_with = "seconds")]
        took: Duration,
    },
    /// Changed files were copied into the running container, deleted ones removed.
    Synced {
        service: String,
        files: usize,
        deleted: usize,
    },
    /// A change needs a new image: `reason` says which (`requirements.txt changed`).
    Rebuilding {
        service: String,
        reason: String,
    },
    /// A change restarts the container: `reason` says which.
    Restarting {
        service: String,
        reason: String,
    },
    /// A `sync+exec` rule ran its command in the container.
    Executed {
        service: String,
        command: String,
        exit_code: i64,
        /// Its last lines of output when it failed.
        output: Vec<String>,
    },
    /// A change could not be applied (`message`, with the build's output or the
    /// container's last log lines in `detail`); `kept`: the container from before still
    /// runs, unchanged.
    UpdateFailed {
        service: String,
        message: String,
        detail: Vec<String>,
        kept: bool,
    },
    /// A manifest file changed: the project is planned again and what changed applied.
    Replanning {
        file: String,
    },
    /// A line a container wrote (foreground `up`, `logs`).
    Log {
        service: String,
        line: String,
    },
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl Event {
    /// The service an event belongs to, when it belongs to one.
    pub(crate) fn service(&self) -> Option<&str> {
        match self {
            Event::PullStarted { service, .. }
            | Event::Pulled { service, .. }
            | Event::BuildCached { service, .. }
            | Event::BuildStarted { service }
            | Event::BuildStep { service, .. }
            | Event::BuildOutput { service, .. }
            | Event::BuildFinished { service, .. }
            | Event::OlderImagesRemoved { service, .. }
            | Event::PushStarted { service, .. }
            | Event::PushProgress { service, .. }
            | Event::Pushed { service, .. }
            | Event::ContainerUnchanged { service }
            | Event::ContainerCreated { service }
            | Event::ContainerRecreated { service, .. }
            | Event::ContainerStarted { service }
            | Event::PortMoved { service, .. }
            | Event::Signalled { service, .. }
            | Event::Waiting { service, .. }
            | Event::Healthy { service, .. }
            | Event::Completed { service, .. }
            | Event::Failed { service, .. }
            | Event::NotStarted { service, .. }
            | Event::NotReady { service, .. }
            | Event::Interrupted { service, .. }
            | Event::Exited { service, .. }
            | Event::ContainerStopped { service }
            | Event::ContainerRemoved { service }
            | Event::Synced { service, .. }
            | Event::Rebuilding { service, .. }
            | Event::Restarting { service, .. }
            | Event::Executed { service, .. }
            | Event::UpdateFailed { service, .. }
            | Event::Log { service, .. } => Some(service),
            Event::NetworkCreated { .. }
            | Event::VolumeCreated { .. }
            | Event::NetworkRemoved { .. }
            | Event::VolumeRemoved { .. }
            | Event::ImageRemoved { .. }
            | Event::Watching { .. }
            | Event::Replanning { .. } => None,
        }
    }
}

/// Where the engine sends events; the ui owns the receiving end.
pub(crate) type Events = tokio::sync::mpsc::UnboundedSender<Event>;
