//! `stack up`: build what changed, start in dependency order, wait until healthy; then
//! stream logs and report every container that stops until Ctrl-C (unless `-d`),
//! stopping gracefully, or by force on a second.
//!
//! A signal before every service is ready stops what this run started (with or without
//! `-d`), so an interrupted run leaves the project as it found it.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::{RunArgs, UpArgs};
use crate::commands::session::{Scope, Session};
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::supervise::Death;
use crate::engine::tracker::Tracker;
use crate::engine::up::{Ready, UpOutcome};
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::plan::selection::Selection;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;
use crate::ui::progress::Mode;

pub(crate) async fn up(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &UpArgs,
) -> Result<(), Error> {
    if args.watch {
        return crate::commands::watch::watch(settings, printer, interrupts, &args.run, true).await;
    }
    let started = Instant::now();
    let interrupts = interrupts.claim();
    let selection = if args.no_deps {
        Selection::only(&args.services)
    } else {
        Selection::with_dependencies(&args.services)
    };
    let scope = Scope {
        selection,
        no_build: args.no_build,
        force_recreate: args.force_recreate,
        ..Scope::default()
    };
    let (session, lock) =
        Session::open_locked(settings, printer, &interrupts, "up", &scope).await?;
    let project = session.desired.project.clone();
    let order = session.order();
    // Ctrl-C stops what this `up` brought up: every service, or the ones it was given.
    let stops = if args.services.is_empty() {
        Vec::new()
    } else {
        order.clone()
    };
    let engine = session.engine.clone();
    let brought = bring_up(settings, printer, &interrupts, session, &args.run).await;
    // Following logs is not changing the project: another `stack restart` may run then.
    lock.release().await;
    let outcome = brought?;
    if !args.detach {
        let display = Display::new(args.run.progress, settings);
        follow(
            printer,
            &interrupts,
            display,
            &engine,
            &project,
            &order,
            &stops,
            started,
            outcome,
        )
        .await?;
    }
    Ok(())
}

/// Brings the session's project up; the first signal stops what it started so far, a
/// second kills it.
pub(crate) async fn bring_up(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    session: Session,
    run: &RunArgs,
) -> Result<UpOutcome, Error> {
    let started = Instant::now();
    let order = session.order();
    for warning in &session.desired.warnings {
        printer.warn(warning);
    }
    for orphan in &session.plan.orphans {
        printer.warn(&orphan_warning(orphan));
    }
    let Session {
        desired,
        engine,
        observed,
        plan,
    } = session;
    let project = desired.project.clone();
    let request = plan.up_request(desired, &observed, run.jobs);
    let display = Display::new(run.progress, settings);
    let tracker = Tracker::new(&order);
    let outcome = display
        .show(&order, |events| {
            let (engine, order) = (&engine, &order);
            let (tracker, project) = (&tracker, &project);
            async move {
                match interrupts
                    .until_first(engine.up(request, &events, tracker))
                    .await
                {
                    Some(Ok(outcome)) => {
                        // Every service is ready: a signal from now on no longer undoes
                        // the run, and the clean-up finishes.
                        engine.clean_up_images(project, &outcome, &events).await;
                        Ok(outcome)
                    }
                    Some(Err(error)) => Err(error.into()),
                    None => {
                        tokio::select! {
                            result = engine.undo(project, order, tracker, STOP_TIMEOUT, &events) => result?,
                            () = interrupts.second() => engine.undo(project, order, tracker, 0, &events).await?,
                        }
                        Err(interrupts.interrupted())
                    }
                }
            }
        })
        .await?;
    // `run` with nothing to bring up first has nothing to sum up.
    if display.mode != Mode::Json && !order.is_empty() {
        let took = outcome.ready_at.saturating_duration_since(started);
        printer.status(&summary(&order, &outcome.ready, took));
    }
    Ok(outcome)
}

/// What `up` says about a container whose service left the manifest.
pub(crate) fn orphan_warning(orphan: &str) -> String {
    format!(
        "service `{orphan}` is no longer in the manifest but its container exists; `stack down` removes it"
    )
}

/// One line per service with its URL, and the time it all took.
pub(crate) fn summary(order: &[String], ready: &[Ready], took: Duration) -> String {
    let width = order.iter().map(String::len).max().unwrap_or(0);
    let mut out = format!(
        "{} service{} ready in {:.1}s",
        ready.len(),
        if ready.len() == 1 { "" } else { "s" },
        took.as_secs_f64()
    );
    for name in order {
        if let Some(service) = ready.iter().find(|r| &r.service == name)
            && let Some(url) = &service.url
        {
            out.push_str(&format!("\n  {name:<width$}  {url}"));
        }
    }
    out
}

/// Streams every service's logs and says which containers stop, until the first signal;
/// then stops the containers of `stops` (all when empty; a second signal kills them). Ending this way is
/// success, unless a service crashed meanwhile: then `up` fails as if it had crashed
/// while starting.
#[expect(
    clippy::too_many_arguments,
    reason = "the glue of one command: each is a separate thing it shows or watches"
)]
async fn follow(
    printer: &Printer,
    interrupts: &Interrupts,
    display: Display,
    engine: &Engine,
    project: &str,
    order: &[String],
    stops: &[String],
    started: Instant,
    outcome: UpOutcome,
) -> Result<(), Error> {
    // Everything the containers printed since this `up` began, then new lines.
    let since = SystemTime::now()
        .checked_sub(started.elapsed())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64());
    printer.status("following logs; Ctrl-C stops the stack");
    let crashes: Mutex<Vec<Death>> = Mutex::new(Vec::new());
    let deaths = outcome.supervisor.deaths();
    display
        .lines()
        .show(order, |events| {
            let crashes = &crashes;
            async move {
                let logs = engine.logs(project, order, None, since, true, &events);
                let exits = engine.report_exits(deaths, outcome.seen, &events, crashes, &|_| false);
                tokio::select! {
                    () = interrupts.first() => {}
                    () = logs => {}
                    lost = exits => return Err(Error::from(lost)),
                }
                printer.status("stopping (Ctrl-C again to kill)");
                tokio::select! {
                    result = engine.stop_services(project, stops, STOP_TIMEOUT, &events) => {
                        result.map_err(Error::from)
                    }
                    () = interrupts.second() => {
                        engine.stop_services(project, stops, 0, &events).await?;
                        Err(interrupts.interrupted())
                    }
                }
            }
        })
        .await?;
    drop(outcome.supervisor);
    let first = crashes
        .into_inner()
        .expect("never poisoned: nothing panics while holding it")
        .into_iter()
        .next();
    match first {
        Some(death) => Err(engine
            .crashed(&death.service, &death.id, &death.exit, false)
            .await
            .into()),
        None => Ok(()),
    }
}
