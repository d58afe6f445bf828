//! `stack build [SERVICE…]`: build the images whose context, Dockerfile or arguments
//! changed; with `--no-cache`, every one again, without the engine's layer cache.

use crate::cli::BuildArgs;
use crate::commands::session::{Scope, Session};
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
    args: &BuildArgs,
) -> Result<(), Error> {
    let interrupts = interrupts.claim();
    let scope = Scope::only(&args.services);
    let (session, lock) =
        Session::open_locked(settings, printer, &interrupts, "build", &scope).await?;
    for warning in &session.desired.warnings {
        printer.warn(warning);
    }
    let Session {
        mut desired,
        engine,
        plan,
        ..
    } = session;
    for (name, wanted) in &desired.services {
        if wanted.context_hash.is_none() && args.services.contains(name) {
            printer.status(&format!(
                "service `{name}` runs the ready-made image {}: nothing to build",
                wanted.spec.image
            ));
        }
    }
    let order: Vec<String> = plan.services.iter().map(|s| s.service.clone()).collect();
    let cached: Vec<(String, String)> = plan
        .builds
        .iter()
        .filter(|b| b.cached && !args.no_cache)
        .map(|b| (b.service.clone(), b.image.clone()))
        .collect();
    let builds = plan.builds_of(&mut desired, args.no_cache);
    let count = builds.len();
    let result = Display::new(args.run.progress, settings)
        .show(&order, |events| async move {
            for (service, image) in cached {
                let _ = events.send(Event::BuildCached { service, image });
            }
            let emit = |event: Event| {
                let _ = events.send(event);
            };
            let all = engine.build_all(builds, args.run.jobs, &emit);
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
