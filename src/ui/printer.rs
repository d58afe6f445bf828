//! Writes data to stdout and everything else to stderr.

use std::io::Write;

use crate::error::Error;
use crate::ui::report;

/// The handle commands use to show things to the user.
#[derive(Clone, Debug)]
pub(crate) struct Printer {
    color: bool,
}

impl Printer {
    pub(crate) fn new(color: bool) -> Printer {
        Printer { color }
    }

    /// Command output meant for pipes and files (`stack dockerfile`, `stack schema`).
    pub(crate) fn data(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`stack schema | head`) is not an error worth reporting.
        let _ = stdout.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stdout.write_all(b"\n");
        }
        let _ = stdout.flush();
    }

    /// Bytes from a command run in a container (`stack exec`), passed through unchanged.
    pub(crate) fn raw(&self, to_stderr: bool, bytes: &[u8]) {
        if to_stderr {
            let _ = std::io::stderr().lock().write_all(bytes);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
    }

    /// A status line for humans, on stderr.
    pub(crate) fn status(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    /// A warning, on stderr.
    pub(crate) fn warn(&self, text: &str) {
        let label = console::Style::new()
            .yellow()
            .bold()
            .force_styling(self.color);
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}: {text}",
            label.apply_to("warning")
        );
    }

    pub(crate) fn error(&self, error: &Error) {
        let _ = std::io::stderr()
            .lock()
            .write_all(report::render_error(error, self.color).as_bytes());
    }

    /// clap's own usage and help output, which it formats itself.
    pub(crate) fn clap(&self, error: &clap::Error) {
        let _ = error.print();
    }
}

/// `1 container`, `2 containers`: a count with its noun (a regular plural).
pub(crate) fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
