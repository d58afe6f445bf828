//! `stack down`: remove the project's containers (the one-off ones of `stack run` too)
//! and network; volumes, and the images stack built, only when asked.

use crate::cli::RemoveImages;
use crate::commands::project::load_manifest;
use crate::commands::session::lock_project;
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::plan::spec::network_name;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

/// Ctrl-C is not claimed: it ends `down` at once, as it always has; a second `down`
/// finishes what the first began (and takes over the lock the first left behind).
pub(crate) async fn down(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    volumes: bool,
    rmi: Option<RemoveImages>,
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    let lock = lock_project(&engine, &manifest.name, "down", printer, interrupts).await?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    let network = network_name(&manifest.name);
    let result = Display::plain(settings)
        .show(&names, |events| {
            let (engine, manifest, network) = (&engine, &manifest, &network);
            async move {
                engine
                    .down(&manifest.name, network, volumes, STOP_TIMEOUT, &events)
                    .await?;
                match rmi {
                    Some(RemoveImages::Local) => {
                        engine.remove_built_images(&manifest.name, &events).await
                    }
                    None => Ok(()),
                }
            }
        })
        .await;
    lock.release().await;
    result?;
    if !volumes {
        printer.status("named volumes are kept; `stack down --volumes` deletes them");
    }
    Ok(())
}
