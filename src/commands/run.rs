//! `stack run [--rm] SERVICE [CMD…]`: a one-off container of a service, on the project's
//! network once the service's dependencies are healthy (`--no-deps`: none are started),
//! running CMD (the service's command by default) wired to this terminal or these pipes.
//! Its exit code becomes stack's.
//!
//! Signals are passed on: the first Ctrl-C or SIGTERM goes to the container as itself
//! (outside raw mode: inside it, Ctrl-C is a key like any other), the second kills it.
//! Without `--rm` the container stays, stopped, as Compose leaves it: `stack rm` and
//! `stack down` remove it.

use std::convert::Infallible;
use std::time::SystemTime;

use crate::cli::RunCommandArgs;
use crate::commands::attached::{Wiring, exit_code, process};
use crate::commands::session::{Scope, Session};
use crate::commands::up::bring_up;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::event::Event;
use crate::interrupts::{Interrupts, Signal};
use crate::plan::selection::Selection;
use crate::plan::spec::ContainerSpec;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

/// Returns the command's exit code.
pub(crate) async fn run(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &RunCommandArgs,
) -> Result<i32, Error> {
    let interrupts = interrupts.claim();
    let service = std::slice::from_ref(&args.service);
    let selection = if args.no_deps {
        Selection::only(service)
    } else {
        Selection::with_dependencies(service)
    };
    let scope = Scope {
        selection,
        ..Scope::default()
    };
    let (session, lock) =
        Session::open_locked(settings, printer, &interrupts, "run", &scope).await?;
    let engine = session.engine.clone();
    let prepared = prepare(settings, printer, &interrupts, session, args).await;
    // The one-off runs for as long as it likes: the project is not held meanwhile.
    lock.release().await;
    let spec = prepared?;
    let process = process(&args.process, &args.command, &settings.env)?;
    let mut sink = |is_stderr: bool, bytes: &[u8]| printer.raw(is_stderr, bytes);
    let wiring = Wiring::new(&process)?;
    let io = wiring.io(&mut sink);
    // Its stdin is open only when something is there to write to it and then close it.
    let id = engine
        .create_oneoff(&spec, &process, io.input.is_some())
        .await?;
    let session = engine.run_attached(&id, process.tty, io);
    let ran = tokio::select! {
        code = session => code.map_err(Error::from),
        never = forward(&engine, &id, &interrupts) => match never {},
    };
    drop(wiring);
    if args.rm
        && let Err(error) = engine.remove_container(&id).await
    {
        printer.warn(&format!(
            "the one-off container {} was not removed: {error}; `stack rm {}` removes it",
            spec.name, args.service
        ));
    }
    Ok(exit_code(ran?))
}

/// Gets the service's image (built or pulled) and brings its dependencies up; returns
/// the one-off container's spec.
async fn prepare(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    mut session: Session,
    args: &RunCommandArgs,
) -> Result<ContainerSpec, Error> {
    let service = &args.service;
    let work = session.plan.take_image(&mut session.desired, service);
    let spec = session
        .desired
        .services
        .get(service)
        .map(|wanted| wanted.spec.clone())
        .expect("the selection holds the service it was made of");
    let engine = &session.engine;
    if work.build.is_some() || work.pull.is_some() {
        Display::new(args.run.progress, settings)
            .show(std::slice::from_ref(service), |events| async move {
                let emit = |event: Event| {
                    let _ = events.send(event);
                };
                let obtain = async {
                    if let Some(image) = &work.pull {
                        engine.pull(service, image, &emit).await?;
                    }
                    if let Some(build) = work.build {
                        engine.build_all(vec![build], 1, &emit).await?;
                    }
                    Ok::<(), crate::engine::error::EngineError>(())
                };
                interrupts.or_interrupted(obtain).await
            })
            .await?;
    }
    bring_up(settings, printer, interrupts, session, &args.run).await?;
    Ok(ContainerSpec {
        name: format!("{}-run-{}", spec.name, suffix()),
        ..spec
    })
}

/// Passes the first signal on to container `id` as itself and kills it at the second;
/// the session's end is what ends this.
async fn forward(engine: &Engine, id: &str, interrupts: &Interrupts) -> Infallible {
    interrupts.first().await;
    let signal = match interrupts.last() {
        Some(Signal::Terminate) => "SIGTERM",
        Some(Signal::Interrupt) | None => "SIGINT",
    };
    let _ = engine.signal(id, signal).await;
    interrupts.second().await;
    let _ = engine.signal(id, "SIGKILL").await;
    std::future::pending().await
}

/// Eight hex digits that tell this one-off container from others of the same service.
fn suffix() -> String {
    let seed = format!("{}-{:?}", std::process::id(), SystemTime::now());
    blake3::hash(seed.as_bytes()).to_hex()[..8].to_string()
}
