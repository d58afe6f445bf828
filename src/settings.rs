//! Arguments, environment and terminal facts, turned into Settings once.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{ColorChoice, GlobalArgs};

/// Everything a command needs to know about how it was invoked.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// `--file`s, in merge order; when none, the manifest is searched upwards from `cwd`.
    pub(crate) files: Vec<PathBuf>,
    /// `-p` / `STACK_PROJECT_NAME`: wins over the manifest's `name`.
    pub(crate) project_name: Option<String>,
    /// `--env-file`s, which replace the project's `.env` for `${VAR}`.
    pub(crate) env_files: Vec<PathBuf>,
    /// `--profile` / `STACK_PROFILES`: the profiles whose services run.
    pub(crate) profiles: Vec<String>,
    pub(crate) cwd: PathBuf,
    /// Colours on stderr.
    pub(crate) color: bool,
    /// Whether stderr is a terminal (progress bars).
    pub(crate) interactive: bool,
    /// Whether stdin and stderr are both terminals: questions can be asked and answered.
    pub(crate) can_prompt: bool,
    /// Extra CA certificates from `--ca-cert` / `STACK_CA_CERT`.
    pub(crate) ca_certs: Vec<PathBuf>,
    /// The process environment, read once: `${VAR}` interpolation uses it.
    pub(crate) env: BTreeMap<String, String>,
}

impl Settings {
    pub(crate) fn new(args: &GlobalArgs) -> std::io::Result<Settings> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let interactive = std::io::stderr().is_terminal();
        let no_color = env.get("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                interactive && !no_color && env.get("TERM").is_none_or(|t| t != "dumb")
            }
        };
        Ok(Settings {
            files: args.file.clone(),
            project_name: args.project_name.clone(),
            env_files: args.env_file.clone(),
            profiles: args
                .profiles
                .iter()
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            cwd: std::env::current_dir()?,
            color,
            interactive,
            can_prompt: interactive && std::io::stdin().is_terminal(),
            ca_certs: args.ca_certs.clone(),
            env,
        })
    }
}
