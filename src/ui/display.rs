//! The one way a long command shows engine events: a ui task renders them while the work
//! runs, and is drained before the command goes on.

use std::future::Future;

use tokio::sync::mpsc::unbounded_channel;

use crate::cli::ProgressChoice;
use crate::event::Events;
use crate::settings::Settings;
use crate::ui::progress::{Mode, Progress};

/// How a command shows its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Display {
    pub(crate) mode: Mode,
    color: bool,
    /// Container log lines start with `service |`.
    log_prefix: bool,
}

impl Display {
    /// The mode the user asked for: bars on a terminal unless told otherwise.
    pub(crate) fn new(choice: ProgressChoice, settings: &Settings) -> Display {
        let mode = match choice {
            ProgressChoice::Auto if settings.interactive => Mode::Bars,
            ProgressChoice::Auto | ProgressChoice::Plain => Mode::Plain,
            ProgressChoice::Tty => Mode::Bars,
            ProgressChoice::Json => Mode::Json,
        };
        Display {
            mode,
            color: settings.color,
            log_prefix: true,
        }
    }

    /// Plain lines whatever the terminal: logs, `down`.
    pub(crate) fn plain(settings: &Settings) -> Display {
        Display {
            mode: Mode::Plain,
            color: settings.color,
            log_prefix: true,
        }
    }

    /// The same display with log lines as the container wrote them (`logs --no-log-prefix`).
    pub(crate) fn without_log_prefix(self) -> Display {
        Display {
            log_prefix: false,
            ..self
        }
    }

    /// The same display with bars turned into plain lines (JSON stays JSON): for log
    /// streams, which interleave with status lines.
    pub(crate) fn lines(self) -> Display {
        Display {
            mode: match self.mode {
                Mode::Bars | Mode::Plain => Mode::Plain,
                Mode::Json => Mode::Json,
            },
            ..self
        }
    }

    /// Runs `work` with a sender of events and shows them as they come; returns once the
    /// work is done and every event has been shown. `services` fixes the display order.
    pub(crate) async fn show<T, F, Fut>(self, services: &[String], work: F) -> T
    where
        F: FnOnce(Events) -> Fut,
        Fut: Future<Output = T>,
    {
        let progress = Progress::new(self.mode, self.color, services).log_prefix(self.log_prefix);
        let (tx, rx) = unbounded_channel();
        let ui = tokio::spawn(progress.run(rx));
        // The work future owns the sender: once it is done the ui drains and stops.
        let result = work(tx).await;
        ui.await.expect("the progress task does not panic");
        result
    }
}
