//! `stack up`: build what changed, start in dependency order, wait until healthy; then
//! stream logs until Ctrl-C (unless `-d`), stopping gracefully, or by force on a second.

use std::time::Instant;

use tokio::sync::mpsc::unbounded_channel;

use crate::cli::UpArgs;
use crate::commands::session::{Session, with_progress};
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::error::EngineError;
use crate::engine::up::Ready;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;
use crate::ui::progress::{Mode, Progress};

pub(crate) async fn up(settings: &Settings, printer: &Printer, args: &UpArgs) -> Result<(), Error> {
    let session = Session::open(settings).await?;
    let order = session.order();
    bring_up(settings, printer, order, session, args).await?;
    Ok(())
}

/// Brings the session's project up and, in the foreground, follows its logs.
pub(crate) async fn bring_up(
    settings: &Settings,
    printer: &Printer,
    order: Vec<String>,
    mut session: Session,
    args: &UpArgs,
) -> Result<Vec<Ready>, Error> {
    let started = Instant::now();
    for orphan in &session.plan.orphans {
        printer.warn(&format!(
            "service `{orphan}` is no longer in the manifest but its container exists; `stack down` removes it"
        ));
    }
    session.pull_missing().await?;
    let request = session.up_request(args.run.jobs);
    let engine = session.engine.clone();
    let (ready, _progress) = with_progress(settings, &args.run, &order, |events| async move {
        engine.up(request, &events).await
    })
    .await?;
    let mode = crate::commands::session::mode(settings, args.run.progress);
    if mode != Mode::Json {
        printer.status(&summary(&order, &ready, started.elapsed()));
    }
    if args.detach {
        return Ok(ready);
    }
    follow(settings, printer, &session, &order, started).await?;
    Ok(ready)
}

/// One line per service with its URL, and the time it all took.
fn summary(order: &[String], ready: &[Ready], took: std::time::Duration) -> String {
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

/// Streams every service's logs until Ctrl-C, then stops the project's containers; a
/// second Ctrl-C kills them.
async fn follow(
    settings: &Settings,
    printer: &Printer,
    session: &Session,
    order: &[String],
    started: Instant,
) -> Result<(), Error> {
    let logs = Progress::new(Mode::Plain, settings.color, order);
    let (tx, rx) = unbounded_channel();
    let ui = tokio::spawn(logs.run(rx));
    let engine = session.engine.clone();
    let project = session.desired.project.clone();
    let services = order.to_vec();
    let streaming = tokio::spawn({
        let tx = tx.clone();
        // Everything the containers printed since this `up` began, then new lines.
        let since = std::time::SystemTime::now()
            .checked_sub(started.elapsed())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64());
        async move {
            engine
                .logs(&project, &services, None, since, true, &tx)
                .await
        }
    });
    printer.status("following logs; Ctrl-C stops the stack");
    let _ = tokio::signal::ctrl_c().await;
    streaming.abort();
    printer.status("stopping (Ctrl-C again to kill)");
    let engine = session.engine.clone();
    let project = session.desired.project.clone();
    let stop = engine.stop_services(&project, &[], STOP_TIMEOUT, &tx);
    let result = tokio::select! {
        result = stop => result.map_err(Error::from),
        _ = tokio::signal::ctrl_c() => {
            session.engine.stop_services(&project, &[], 0, &tx).await?;
            Err(Error::from(EngineError::Interrupted))
        }
    };
    drop(tx);
    let _ = ui.await;
    result
}
