//! `stack up`: build what changed, start in dependency order, wait until healthy; then
//! stream logs until Ctrl-C (unless `-d`), stopping gracefully, or by force on a second.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::UpArgs;
use crate::commands::session::Session;
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::up::Ready;
use crate::error::Error;
use crate::interrupts::Interrupts;
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
    let session = Session::open(settings).await?;
    bring_up(settings, printer, interrupts, session, args).await?;
    Ok(())
}

/// Brings the session's project up and, in the foreground, follows its logs.
pub(crate) async fn bring_up(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    session: Session,
    args: &UpArgs,
) -> Result<Vec<Ready>, Error> {
    let started = Instant::now();
    let order = session.order();
    for orphan in &session.plan.orphans {
        printer.warn(&format!(
            "service `{orphan}` is no longer in the manifest but its container exists; `stack down` removes it"
        ));
    }
    let Session {
        desired,
        engine,
        observed,
        plan,
        ..
    } = session;
    let project = desired.project.clone();
    let request = plan.up_request(desired, &observed, args.run.jobs);
    let interrupts = interrupts.claim();
    let display = Display::new(args.run.progress, settings);
    let ready = display
        .show(&order, |events| {
            let engine = engine.clone();
            let interrupts = interrupts.clone();
            async move { interrupts.or_interrupted(engine.up(request, &events)).await }
        })
        .await?;
    if display.mode != Mode::Json {
        printer.status(&summary(&order, &ready, started.elapsed()));
    }
    if !args.detach {
        follow(
            printer,
            &interrupts,
            display,
            &engine,
            &project,
            &order,
            started,
        )
        .await?;
    }
    Ok(ready)
}

/// One line per service with its URL, and the time it all took.
fn summary(order: &[String], ready: &[Ready], took: Duration) -> String {
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

/// Streams every service's logs until the first signal, then stops the project's
/// containers; a second signal kills them.
async fn follow(
    printer: &Printer,
    interrupts: &Interrupts,
    display: Display,
    engine: &Engine,
    project: &str,
    order: &[String],
    started: Instant,
) -> Result<(), Error> {
    // Everything the containers printed since this `up` began, then new lines.
    let since = SystemTime::now()
        .checked_sub(started.elapsed())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64());
    printer.status("following logs; Ctrl-C stops the stack");
    display
        .lines()
        .show(order, |events| async move {
            let stream = engine.logs(project, order, None, since, true, &events);
            interrupts.until_first(stream).await;
            printer.status("stopping (Ctrl-C again to kill)");
            tokio::select! {
                result = engine.stop_services(project, &[], STOP_TIMEOUT, &events) => {
                    result.map_err(Error::from)
                }
                () = interrupts.second() => {
                    engine.stop_services(project, &[], 0, &events).await?;
                    Err(interrupts.interrupted())
                }
            }
        })
        .await
}
