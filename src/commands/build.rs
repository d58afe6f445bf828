//! `stack build`: build the images whose context, Dockerfile or arguments changed.

use futures_util::future::join_all;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::cli::RunArgs;
use crate::commands::session::{Session, with_progress};
use crate::error::Error;
use crate::event::Event;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn build(
    settings: &Settings,
    printer: &Printer,
    args: &RunArgs,
) -> Result<(), Error> {
    let mut session = Session::open(settings).await?;
    let order = session.order();
    let cached: Vec<(String, String)> = session
        .plan
        .builds
        .iter()
        .filter(|b| b.cached)
        .map(|b| (b.service.clone(), b.image.clone()))
        .collect();
    let builds = session.builds();
    let count = builds.len();
    let engine = session.engine.clone();
    let jobs = Arc::new(Semaphore::new(args.jobs.max(1)));
    with_progress(settings, args, &order, |events| async move {
        for (service, image) in cached {
            let _ = events.send(Event::BuildCached { service, image });
        }
        let emit = |event: Event| {
            let _ = events.send(event);
        };
        let runs = builds.into_iter().map(|request| {
            let jobs = jobs.clone();
            let engine = &engine;
            let emit = &emit;
            async move {
                let _permit = jobs.acquire().await.expect("never closed");
                engine.build(request, emit).await
            }
        });
        join_all(runs)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, _>>()
    })
    .await?;
    printer.status(&match count {
        0 => "every image is up to date".to_string(),
        1 => "built 1 image".to_string(),
        n => format!("built {n} images"),
    });
    Ok(())
}
