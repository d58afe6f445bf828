//! stack: one manifest, one command, a healthy polyglot dev environment on Docker.

mod build;
mod cli;
mod commands;
mod detect;
mod engine;
mod error;
mod event;
mod export;
mod init;
mod interrupts;
mod manifest;
mod new;
mod plan;
mod settings;
mod ui;
mod watch;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{Error, exit};
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// Runs stack with these arguments (the program name first) and returns the exit code.
pub async fn run(args: Vec<OsString>) -> i32 {
    match commands::completion::answer(&args) {
        Ok(false) => {}
        Ok(true) => return exit::SUCCESS,
        Err(error) => {
            Printer::new(false).clap(&error);
            return exit::USAGE;
        }
    }
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
        Command::Config { services } => commands::config::config(settings, printer, services),
        Command::Doctor => commands::doctor::doctor(settings, printer).await,
        Command::Dockerfile { service } => {
            commands::dockerfile::dockerfile(settings, printer, &service)
        }
        Command::Eject { service } => commands::eject::eject(settings, printer, &service),
        Command::Schema { write } => commands::schema::schema(settings, printer, write),
        Command::Completion { shell } => commands::completion::completion(printer, shell),
        Command::Init(args) => commands::init::init(settings, printer, &args),
        Command::Up(args) => commands::up::up(settings, printer, interrupts, &args).await,
        Command::Watch { run } => {
            commands::watch::watch(settings, printer, interrupts, &run, false).await
        }
        Command::Down {
            volumes,
            swarm: true,
        } => commands::deploy::remove(settings, printer, volumes).await,
        Command::Down {
            volumes,
            swarm: false,
        } => commands::down::down(settings, printer, interrupts, volumes).await,
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
        Command::Push(args) => commands::push::push(settings, printer, interrupts, &args).await,
        Command::Export { target } => commands::export::export(settings, printer, &target),
        Command::Deploy(args) => {
            commands::deploy::deploy(settings, printer, interrupts, &args).await
        }
    }
}
