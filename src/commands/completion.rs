//! `stack completion SHELL`: the script that makes a shell complete stack's commands, flags
//! and the service names of the manifest at hand. The script asks stack itself at each TAB
//! (clap_complete's dynamic completion), so names follow the manifest as it changes.

use std::ffi::{OsStr, OsString};

use clap::{CommandFactory, Parser};
use clap_complete::CompleteEnv;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};

use crate::cli::{Cli, CompletionShell};
use crate::commands::project::load_manifest;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// The variable the script sets when it asks stack for completions.
const VAR: &str = "STACK_COMPLETE";

pub(crate) fn completion(printer: &Printer, shell: CompletionShell) -> Result<(), Error> {
    let shell: &dyn EnvCompleter = match shell {
        CompletionShell::Bash => &Bash,
        CompletionShell::Zsh => &Zsh,
        CompletionShell::Fish => &Fish,
    };
    // The script calls this very binary, so it works before stack is on PATH too.
    let completer = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "stack".to_string());
    let mut script = Vec::new();
    shell
        .write_registration(VAR, "stack", "stack", &completer, &mut script)
        .map_err(|source| Error::Io {
            action: "write the completion script for",
            path: shell.name().into(),
            source,
        })?;
    printer.data(&String::from_utf8_lossy(&script));
    Ok(())
}

/// Answers a shell's completion request (stack run by the script with `STACK_COMPLETE`
/// set). `Ok(false)` when this is an ordinary run.
pub(crate) fn answer(args: &[OsString]) -> Result<bool, clap::Error> {
    let cwd = std::env::current_dir().ok();
    CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .try_complete(args.iter().cloned(), cwd.as_deref())
}

/// The services of the manifest found from the current directory (with `STACK_FILE`,
/// `STACK_PROFILES` and the rest of the environment), those starting with `current` first.
pub(crate) fn service_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(cli) = Cli::try_parse_from(["stack", "config"]) else {
        return Vec::new();
    };
    let Ok(settings) = Settings::new(&cli.global) else {
        return Vec::new();
    };
    let Ok(manifest) = load_manifest(&settings) else {
        return Vec::new();
    };
    let current = current.to_string_lossy();
    manifest
        .services
        .keys()
        .filter(|name| name.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}
