//! `stack stop [SERVICE…]`: stop services' containers and keep them, for `stack start`.

use crate::commands::project::load_for;
use crate::commands::session::lock_project;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

/// Ctrl-C is not claimed: like `down`, it ends `stop` at once.
pub(crate) async fn stop(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    timeout: u32,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_for(settings, services)?;
    let engine = Engine::connect(&settings.env).await?;
    let lock = lock_project(&engine, &manifest.name, "stop", printer, interrupts).await?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    let timeout = i32::try_from(timeout).unwrap_or(i32::MAX);
    let result = async {
        let running = engine
            .project_containers(&manifest.name)
            .await?
            .into_iter()
            .filter(|c| c.running() && (services.is_empty() || services.contains(&c.service)))
            .count();
        Display::plain(settings)
            .show(&names, |events| {
                let engine = &engine;
                let project = &manifest.name;
                async move {
                    engine
                        .stop_services(project, services, timeout, &events)
                        .await
                }
            })
            .await?;
        Ok::<usize, Error>(running)
    }
    .await;
    lock.release().await;
    if result? == 0 {
        printer.status("nothing to stop: no container of these services is running");
    }
    Ok(())
}
