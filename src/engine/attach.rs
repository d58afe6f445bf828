//! A process in a container wired to stack's own input and output, for `exec` and
//! `run`: what it writes is passed on as it comes, stdin is copied in (its end closes the
//! process's stdin, so `psql < dump.sql` finishes), and a TTY follows the size of the
//! terminal it is shown on.

use std::pin::Pin;
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::query_parameters::{ResizeContainerTTYOptionsBuilder, ResizeExecOptionsBuilder};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;

/// Where a process's output goes: (is_stderr, bytes). A TTY's output is all stdout.
pub(crate) type Sink<'a> = &'a mut (dyn FnMut(bool, &[u8]) + Send);

/// A terminal's size: (rows, columns).
pub(crate) type Size = (u16, u16);

/// What a process in a container is wired to.
pub(crate) struct Io<'a> {
    /// Bytes for its stdin; `None` leaves its stdin unattached.
    pub(crate) input: Option<Box<dyn AsyncRead + Send + Unpin>>,
    pub(crate) sink: Sink<'a>,
    /// The terminal's size now and as it changes; its TTY is resized to follow.
    pub(crate) sizes: Option<watch::Receiver<Option<Size>>>,
}

impl<'a> Io<'a> {
    /// Output only: no stdin, no terminal.
    pub(crate) fn output(sink: Sink<'a>) -> Io<'a> {
        Io {
            input: None,
            sink,
            sizes: None,
        }
    }
}

/// The TTY to resize: an exec's, or a container's own.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tty<'a> {
    Exec(&'a str),
    Container(&'a str),
}

/// The attached streams, as bollard hands them over.
pub(crate) type Output =
    Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;
pub(crate) type Input = Pin<Box<dyn AsyncWrite + Send>>;

impl Engine {
    /// Passes `output` to the sink and the wired input to `input` until the process's
    /// output ends; meanwhile `tty` (when there is one) follows the terminal's size.
    pub(crate) async fn pump(
        &self,
        what: &str,
        mut output: Output,
        input: Input,
        io: Io<'_>,
        tty: Option<Tty<'_>>,
    ) -> Result<(), EngineError> {
        let Io {
            input: source,
            sink,
            mut sizes,
        } = io;
        if let (Some(tty), Some(sizes)) = (tty, &sizes) {
            let size = *sizes.borrow();
            if let Some(size) = size {
                self.first_resize(tty, size).await;
            }
        }
        let copy = copy_in(source, input);
        tokio::pin!(copy);
        let mut copying = true;
        loop {
            tokio::select! {
                chunk = output.next() => match chunk {
                    None => return Ok(()),
                    Some(Ok(LogOutput::StdErr { message })) => sink(true, &message),
                    Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                        sink(false, &message);
                    }
                    Some(Ok(LogOutput::StdIn { .. })) => {}
                    Some(Err(source)) => {
                        return Err(EngineError::request(format!("read the output of {what}"), source));
                    }
                },
                () = &mut copy, if copying => copying = false,
                size = next_size(&mut sizes) => {
                    if let (Some(tty), Some(size)) = (tty, size) {
                        // A resize that fails (the process just ended) changes nothing.
                        let _ = self.resize(tty, size).await;
                    }
                }
            }
        }
    }

    /// The first resize, right after the start: the process may not have its TTY yet,
    /// so it is tried a few times (as Docker's CLI does).
    async fn first_resize(&self, tty: Tty<'_>, size: Size) {
        for attempt in 1..=5u64 {
            if self.resize(tty, size).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10 * attempt)).await;
        }
    }

    async fn resize(
        &self,
        tty: Tty<'_>,
        (rows, columns): Size,
    ) -> Result<(), bollard::errors::Error> {
        let (h, w) = (i32::from(rows), i32::from(columns));
        match tty {
            Tty::Exec(id) => {
                let options = ResizeExecOptionsBuilder::default().h(h).w(w).build();
                self.docker().resize_exec(id, options).await
            }
            Tty::Container(id) => {
                let options = ResizeContainerTTYOptionsBuilder::default()
                    .h(h)
                    .w(w)
                    .build();
                self.docker().resize_container_tty(id, options).await
            }
        }
    }
}

/// Copies `source` into the process's stdin as it comes, then closes it: the process
/// sees the end of its input. Without a source, stdin was not attached: nothing to do.
async fn copy_in(source: Option<Box<dyn AsyncRead + Send + Unpin>>, mut input: Input) {
    let Some(mut source) = source else {
        return;
    };
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match source.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Each keystroke goes at once, not when a buffer fills.
                if input.write_all(&buffer[..n]).await.is_err() || input.flush().await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = input.shutdown().await;
}

/// The next size the terminal changes to; never, without a terminal.
async fn next_size(sizes: &mut Option<watch::Receiver<Option<Size>>>) -> Option<Size> {
    let Some(receiver) = sizes else {
        return std::future::pending().await;
    };
    if receiver.changed().await.is_err() {
        return std::future::pending().await;
    }
    *receiver.borrow()
}
