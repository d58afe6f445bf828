//! The command `stack ci` runs on the host: the user's environment plus the services'
//! addresses, stdio passed through, in a process group of its own. A stop (Ctrl-C,
//! SIGTERM) is passed on to the whole group as SIGTERM, and the group is killed if it has
//! not ended a grace period later.

use std::future::Future;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::Duration;

use crate::ci::Ended;

/// How long a stopped command may take to end before it is killed.
const GRACE: Duration = Duration::from_secs(10);

/// Runs `argv` in `cwd` with `env` added, until it ends or `stop` resolves.
pub(crate) async fn run(
    argv: &[String],
    env: &[(String, String)],
    cwd: &Path,
    stop: impl Future<Output = ()>,
) -> std::io::Result<Ended> {
    let (program, args) = argv
        .split_first()
        .expect("clap requires a command for `stack ci`");
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        // Its own process group, so a stop reaches what it started too (`sh -c` runs a
        // child that a signal to the shell alone would leave running).
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    tokio::select! {
        status = child.wait() => {
            let status = status?;
            // A command killed by a signal exits as shells report it: 128 + the signal.
            let code = status
                .code()
                .or_else(|| status.signal().map(|signal| 128 + signal))
                .unwrap_or(1);
            Ok(Ended::Exited(i64::from(code)))
        }
        () = stop => {
            let group = child
                .id()
                .and_then(|id| rustix::process::Pid::from_raw(id.cast_signed()));
            let signal = |signal| {
                if let Some(group) = group {
                    let _ = rustix::process::kill_process_group(group, signal);
                }
            };
            signal(rustix::process::Signal::TERM);
            if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
                signal(rustix::process::Signal::KILL);
                let _ = child.wait().await;
            }
            Ok(Ended::Stopped)
        }
    }
}
