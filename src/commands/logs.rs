//! `stack logs`: the services' output, optionally followed across restarts.

use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;

pub(crate) async fn logs(
    settings: &Settings,
    interrupts: &Interrupts,
    follow: bool,
    tail: Option<usize>,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    for name in services {
        find_service(&manifest, name)?;
    }
    let chosen = if services.is_empty() {
        manifest.services.keys().cloned().collect()
    } else {
        services.to_vec()
    };
    let engine = Engine::connect(&settings.env).await?;
    // Following ends at Ctrl-C; that is how it is meant to end, not a failure.
    let interrupts = interrupts.claim();
    Display::plain(settings)
        .show(&chosen, |events| {
            let (engine, chosen) = (&engine, &chosen);
            async move {
                let stream = engine.logs(&manifest.name, chosen, tail, None, follow, &events);
                interrupts.until_first(stream).await;
            }
        })
        .await;
    Ok(())
}
