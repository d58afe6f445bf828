//! stack: one manifest, one command, a healthy polyglot dev environment on Docker.

mod build;
mod ci;
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
            ..
        } => commands::deploy::remove(settings, printer, volumes).await,
        Command::Down {
            volumes,
            rmi,
            swarm: false,
        } => commands::down::down(settings, printer, interrupts, volumes, rmi).await,
        Command::Build(args) => commands::build::build(settings, printer, interrupts, &args).await,
        Command::Plan { json } => commands::plan::plan(settings, printer, json).await,
        Command::Ps(args) => commands::ps::ps(settings, printer, &args).await,
        Command::Logs(args) => commands::logs::logs(settings, interrupts, &args).await,
        Command::Exec(args) => {
            exited(commands::exec::exec(settings, printer, interrupts, &args).await?)
        }
        Command::Run(args) => {
            exited(commands::run::run(settings, printer, interrupts, &args).await?)
        }
        Command::Stop { timeout, services } => {
            commands::stop::stop(settings, printer, interrupts, timeout, &services).await
        }
        Command::Start { run, services } => {
            commands::start::start(settings, printer, interrupts, &run, &services).await
        }
        Command::Kill { signal, services } => {
            commands::kill::kill(settings, printer, &signal, &services).await
        }
        Command::Rm {
            stop,
            force: _,
            services,
        } => commands::rm::rm(settings, printer, interrupts, stop, &services).await,
        Command::Restart { run, services } => {
            commands::restart::restart(settings, printer, interrupts, &run, &services).await
        }
        Command::Ci(args) => commands::ci::ci(settings, printer, interrupts, &args).await,
        Command::Env => commands::env::env(settings, printer).await,
        Command::Gc(args) => commands::gc::gc(settings, printer, &args).await,
        Command::New { kind } => commands::new::new(settings, printer, kind),
        Command::Push(args) => commands::push::push(settings, printer, interrupts, &args).await,
        Command::Export { target } => commands::export::export(settings, printer, &target),
        Command::Deploy(args) => {
            commands::deploy::deploy(settings, printer, interrupts, &args).await
        }
    }
}

/// A command's own exit code as stack's: 0 is success, anything else is passed on silently.
fn exited(code: i32) -> Result<(), Error> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::Exited(code))
    }
}
