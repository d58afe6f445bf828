//! stack: one manifest, one command, a healthy polyglot dev environment on Docker.

mod build;
mod cli;
mod commands;
mod detect;
mod engine;
mod error;
mod event;
mod init;
mod interrupts;
mod manifest;
mod new;
mod plan;
mod settings;
mod ui;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{Error, exit};
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// Runs stack with these arguments (the program name first) and returns the exit code.
pub async fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            Printer::new(false).clap(&error);
            return if error.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
        }
    };
    let settings = match Settings::new(&cli.global) {
        Ok(settings) => settings,
        Err(source) => {
            let error = Error::Io {
                action: "read the current directory",
                path: ".".into(),
                source,
            };
            Printer::new(false).error(&error);
            return error.exit_code();
        }
    };
    let printer = Printer::new(settings.color);
    let interrupts = Interrupts::install();
    match dispatch(cli.command, &settings, &printer, &interrupts).await {
        Ok(()) => exit::SUCCESS,
        Err(error) => {
            if !matches!(error, Error::Exited(_)) {
                printer.error(&error);
            }
            error.exit_code()
        }
    }
}

async fn dispatch(
    command: Command,
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    match command {
        Command::Config => commands::config::config(settings, printer),
        Command::Doctor => commands::doctor::doctor(settings, printer).await,
        Command::Dockerfile { service } => {
            commands::dockerfile::dockerfile(settings, printer, &service)
        }
        Command::Eject { service } => commands::eject::eject(settings, printer, &service),
        Command::Schema => commands::schema::schema(printer),
        Command::Init(args) => commands::init::init(settings, printer, &args),
        Command::Up(args) => commands::up::up(settings, printer, interrupts, &args).await,
        Command::Down { volumes } => {
            commands::down::down(settings, printer, interrupts, volumes).await
        }
        Command::Build { run } => commands::build::build(settings, printer, interrupts, &run).await,
        Command::Plan { json } => commands::plan::plan(settings, printer, json).await,
        Command::Ps { json } => commands::ps::ps(settings, printer, json).await,
        Command::Logs {
            follow,
            tail,
            services,
        } => commands::logs::logs(settings, interrupts, follow, tail, &services).await,
        Command::Exec { service, command } => {
            let code = commands::exec::exec(settings, printer, &service, &command).await?;
            if code == 0 {
                Ok(())
            } else {
                Err(Error::Exited(code))
            }
        }
        Command::Restart { run, services } => {
            commands::restart::restart(settings, printer, interrupts, &run, &services).await
        }
        Command::New { kind } => commands::new::new(settings, printer, kind),
    }
}
