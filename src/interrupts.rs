//! Ctrl-C and SIGTERM, caught once for the whole process and counted.
//!
//! Long commands (up, logs, down, build, restart) claim the handle and watch the count:
//! the first signal asks them to stop gracefully, the second to force. SIGTERM, which CI
//! runners send when a job is cancelled, counts like a first Ctrl-C. A command that did not
//! claim the handle ends at once with the shell's code, as the default handler would; a
//! third signal ends any command at once, so stack can always be stopped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::error::Error;

/// Which signal arrived last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    Interrupt,
    Terminate,
}

/// How many signals arrived, and the last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Received {
    count: u32,
    last: Option<Signal>,
}

/// The process's one view of Ctrl-C and SIGTERM; clones share it.
#[derive(Clone, Debug)]
pub(crate) struct Interrupts {
    received: watch::Receiver<Received>,
    claimed: Arc<AtomicBool>,
}

/// Signals after which stack exits whatever the command is doing.
const LAST_RESORT: u32 = 3;

impl Interrupts {
    /// Starts listening. Called once, by `run`, inside the runtime.
    pub(crate) fn install() -> Interrupts {
        let (tx, rx) = watch::channel(Received::default());
        let claimed = Arc::new(AtomicBool::new(false));
        let listener_claimed = claimed.clone();
        tokio::spawn(async move {
            let mut signals = match Listener::new() {
                Ok(signals) => signals,
                // Without handlers the default actions stay in place: signals still stop stack.
                Err(_) => return,
            };
            loop {
                let signal = signals.next().await;
                let mut now = *tx.borrow();
                now.count += 1;
                now.last = Some(signal);
                let _ = tx.send(now);
                if !listener_claimed.load(Ordering::SeqCst) || now.count >= LAST_RESORT {
                    // An interactive session's terminal must not stay raw.
                    crate::ui::terminal::restore();
                    std::process::exit(Error::Interrupted(signal).exit_code());
                }
            }
        });
        Interrupts {
            received: rx,
            claimed,
        }
    }

    /// From now on signals are the command's to handle: the process no longer ends on the
    /// first one.
    pub(crate) fn claim(&self) -> Interrupts {
        self.claimed.store(true, Ordering::SeqCst);
        self.clone()
    }

    /// The signal that arrived last, if any did.
    pub(crate) fn last(&self) -> Option<Signal> {
        self.received.borrow().last
    }

    /// The error a command returns when a signal stopped it.
    pub(crate) fn interrupted(&self) -> Error {
        Error::Interrupted(self.last().unwrap_or(Signal::Interrupt))
    }

    /// Resolves once `count` signals have arrived in all.
    pub(crate) async fn reached(&self, count: u32) {
        let mut received = self.received.clone();
        // The sender lives as long as the listener task; if it is gone, no signal will come.
        if received.wait_for(|r| r.count >= count).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves at the first signal (or at once if one already arrived).
    pub(crate) async fn first(&self) {
        self.reached(1).await;
    }

    /// Resolves at the second signal.
    pub(crate) async fn second(&self) {
        self.reached(2).await;
    }

    /// Runs `work` until it ends or the first signal arrives, whichever comes first.
    pub(crate) async fn until_first<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            result = work => Some(result),
            () = self.first() => None,
        }
    }

    /// Runs fallible `work` until it ends or the first signal, which becomes the error.
    pub(crate) async fn or_interrupted<T, E: Into<Error>>(
        &self,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, Error> {
        match self.until_first(work).await {
            Some(result) => result.map_err(Into::into),
            None => Err(self.interrupted()),
        }
    }
}

/// The OS signal streams.
struct Listener {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Listener {
    #[cfg(unix)]
    fn new() -> std::io::Result<Listener> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Listener {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Listener> {
        Ok(Listener {})
    }

    #[cfg(unix)]
    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> Signal {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
