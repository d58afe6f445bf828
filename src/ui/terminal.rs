//! The host terminal during an interactive `exec` or `run`: raw mode, so every key (Ctrl-C
//! too) goes to the container as typed, put back on every way out (the guard's drop, and
//! `restore` on the signal handler's last-resort exit); and the terminal's size as it
//! changes, which the container's TTY follows. Unix terminals only: elsewhere a session
//! runs without a TTY.

use tokio::sync::watch;

use crate::engine::attach::Size;

/// Raw mode on the terminal stdin reads from, until dropped.
#[must_use = "the terminal is raw until this is dropped"]
pub(crate) struct RawMode(());

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(unix)]
mod termios {
    use std::sync::Mutex;

    use rustix::termios::{OptionalActions, Termios, tcgetattr, tcgetwinsize, tcsetattr};

    use crate::engine::attach::Size;

    /// The terminal's settings from before raw mode, while a session runs.
    static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

    pub(super) fn make_raw() -> std::io::Result<()> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin)?;
        let mut raw = saved.clone();
        raw.make_raw();
        *SAVED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(saved);
        tcsetattr(&stdin, OptionalActions::Now, &raw)?;
        Ok(())
    }

    pub(super) fn restore() {
        let saved = SAVED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(saved) = saved {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
        }
    }

    pub(super) fn size() -> Option<Size> {
        let size = tcgetwinsize(std::io::stdout()).ok()?;
        (size.ws_row > 0 && size.ws_col > 0).then_some((size.ws_row, size.ws_col))
    }
}

impl RawMode {
    pub(crate) fn enter() -> std::io::Result<RawMode> {
        #[cfg(unix)]
        termios::make_raw()?;
        #[cfg(not(unix))]
        return Err(std::io::ErrorKind::Unsupported.into());
        Ok(RawMode(()))
    }
}

/// Puts the terminal back as it was before raw mode, if a session made it raw.
pub(crate) fn restore() {
    #[cfg(unix)]
    termios::restore();
}

/// The terminal's size now, and again each time it changes (SIGWINCH), for as long as
/// the receiver lives.
pub(crate) fn sizes() -> watch::Receiver<Option<Size>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (sender, receiver) = watch::channel(termios::size());
        tokio::spawn(async move {
            let Ok(mut changes) = signal(SignalKind::window_change()) else {
                return;
            };
            loop {
                tokio::select! {
                    _ = changes.recv() => {
                        if sender.send(termios::size()).is_err() {
                            return;
                        }
                    }
                    () = sender.closed() => return,
                }
            }
        });
        receiver
    }
    #[cfg(not(unix))]
    watch::channel(None).1
}
