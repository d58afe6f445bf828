//! What `exec` and `run` share: the process the command line describes, and this
//! terminal (raw, following its size) or these pipes wired to it.
//!
//! A TTY only when stdin and stdout are both terminals and `-T` is not given: in a pipe
//! or in CI the output stays plain, stdout and stderr apart. Piped stdin is passed
//! through (Compose's `-i`), so `stack exec -T db psql < dump.sql` feeds the dump; its
//! end closes the command's stdin. A terminal's stdin goes to a TTY session only: without
//! one (`stack exec web ls | less`, or `&` in a shell) stack does not read the keyboard
//! from under the shell or the pager.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use crate::cli::ProcessArgs;
use crate::engine::attach::{Io, Sink};
use crate::engine::exec::Process;
use crate::error::Error;
use crate::ui::terminal::{RawMode, sizes};

/// The process to run: `argv`, with a TTY when this is a terminal session.
pub(crate) fn process(
    args: &ProcessArgs,
    argv: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Process, Error> {
    let tty = !args.no_tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    Ok(Process {
        argv: argv.to_vec(),
        tty,
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        env: variables(&args.env, env)?,
    })
}

/// `-e KEY=VALUE` as given; `-e KEY` with this shell's value, or left out when it has none
/// (as Docker does).
fn variables(given: &[String], env: &BTreeMap<String, String>) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for entry in given {
        let key = entry.split('=').next().unwrap_or_default();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(Error::Usage {
                message: format!("`-e {entry}` names no variable"),
                hint: Some(
                    "write `-e KEY=VALUE`, or `-e KEY` to pass this shell's value".to_string(),
                ),
            });
        }
        if entry.contains('=') {
            out.push(entry.clone());
        } else if let Some(value) = env.get(key) {
            out.push(format!("{key}={value}"));
        }
    }
    Ok(out)
}

/// One session's hold on this terminal: raw while a TTY session runs, put back when
/// dropped, whatever way the session ends.
pub(crate) struct Wiring {
    _raw: Option<RawMode>,
    tty: bool,
}

impl Wiring {
    /// Makes the terminal raw for a TTY session.
    pub(crate) fn new(process: &Process) -> Result<Wiring, Error> {
        let raw = if process.tty {
            let raw = RawMode::enter().map_err(|source| Error::Io {
                action: "switch to raw mode the terminal on",
                path: "stdin".into(),
                source,
            })?;
            Some(raw)
        } else {
            None
        };
        Ok(Wiring {
            _raw: raw,
            tty: process.tty,
        })
    }

    /// stdin (piped, or the terminal of a TTY session), the output to `sink`, and on a
    /// TTY the terminal's size.
    pub(crate) fn io<'a>(&self, sink: Sink<'a>) -> Io<'a> {
        let piped = !std::io::stdin().is_terminal();
        Io {
            input: (self.tty || piped).then(|| {
                Box::new(tokio::io::stdin()) as Box<dyn tokio::io::AsyncRead + Send + Unpin>
            }),
            sink,
            sizes: self.tty.then(sizes),
        }
    }
}

/// An exit code as the process's own: a code the engine could not tell is 255, as
/// Docker's CLI reports it.
pub(crate) fn exit_code(code: i64) -> i32 {
    i32::try_from(code)
        .ok()
        .filter(|c| (0..=255).contains(c))
        .unwrap_or(255)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{exit_code, variables};

    #[test]
    fn variables_are_given_or_passed_from_this_shell() {
        let env = BTreeMap::from([("HOME".to_string(), "/root".to_string())]);
        let given = ["A=1", "B=", "HOME", "UNSET", "C=x=y"].map(String::from);
        assert_eq!(
            variables(&given, &env).expect("valid"),
            ["A=1", "B=", "HOME=/root", "C=x=y"]
        );
        assert!(variables(&["=1".to_string()], &env).is_err());
    }

    #[test]
    fn exit_codes_are_the_processs_own() {
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(7), 7);
        assert_eq!(exit_code(-1), 255);
        assert_eq!(exit_code(300), 255);
    }
}
