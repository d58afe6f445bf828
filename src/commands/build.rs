//! `stack build`: build the images whose context, Dockerfile or arguments changed.

use crate::cli::RunArgs;
use crate::commands::session::Session;
use crate::error::Error;
use crate::event::Event;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

pub(crate) async fn build(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &RunArgs,
) -> Result<(), Error> {
    let interrupts = interrupts.claim();
    let (session, lock) = Session::open_locked(settings, printer, &interrupts, "build").await?;
    for warning in &session.desired.warnings {
        printer.warn(warning);
    }
    let Session {
        mut desired,
        engine,
        plan,
        ..
    } = session;
    let order: Vec<String> = plan.services.iter().map(|s| s.service.clone()).collect();
    let cached: Vec<(String, String)> = plan
        .builds
        .iter()
        .filter(|b| b.cached)
        .map(|b| (b.service.clone(), b.image.clone()))
        .collect();
    let builds = plan.build_requests(&mut desired);
    let count = builds.len();
    let result = Display::new(args.progress, settings)
        .show(&order, |events| async move {
            for (service, image) in cached {
                let _ = events.send(Event::BuildCached { service, image });
            }
            let emit = |event: Event| {
                let _ = events.send(event);
            };
            let all = engine.build_all(builds, args.jobs, &emit);
            interrupts.or_interrupted(all).await
        })
        .await;
    lock.release().await;
    result?;
    printer.status(&match count {
        0 => "every image is up to date".to_string(),
        1 => "built 1 image".to_string(),
        n => format!("built {n} images"),
    });
    Ok(())
}
