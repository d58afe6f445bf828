//! `stack rm [-s] [SERVICE…]`: remove services' stopped containers (and the one-off
//! containers `stack run` left); running ones only with `--stop`.

use crate::commands::project::load_for;
use crate::commands::session::lock_project;
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::{Printer, counted};

/// Ctrl-C is not claimed: like `down`, it ends `rm` at once.
pub(crate) async fn rm(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    stop: bool,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_for(settings, services)?;
    let engine = Engine::connect(&settings.env).await?;
    let lock = lock_project(&engine, &manifest.name, "rm", printer, interrupts).await?;
    let result = async {
        let mut chosen = engine.labelled_containers(&manifest.name).await?;
        chosen.retain(|c| services.is_empty() || services.contains(&c.service));
        let running: Vec<String> = chosen
            .iter()
            .filter(|c| c.running() && !c.oneoff)
            .map(|c| c.service.clone())
            .collect();
        if !stop {
            // Named services are meant: refuse before removing anything. Unnamed, the
            // running ones are left alone, as Compose does.
            if let Some(service) = running.first().filter(|_| !services.is_empty()) {
                return Err(Error::Usage {
                    message: format!("service `{service}` is running"),
                    hint: Some(format!(
                        "`stack stop {service}` first, or `stack rm --stop {service}`"
                    )),
                });
            }
            // A one-off container still running is someone's `stack run`: never pulled
            // from under it.
            chosen.retain(|c| !c.running());
        } else {
            chosen.retain(|c| !(c.oneoff && c.running()));
        }
        let names: Vec<String> = manifest.services.keys().cloned().collect();
        Display::plain(settings)
            .show(&names, |events| {
                let (engine, chosen) = (&engine, &chosen);
                async move {
                    engine
                        .remove_containers(chosen, STOP_TIMEOUT, &events)
                        .await
                }
            })
            .await?;
        Ok((chosen.len(), if stop { 0 } else { running.len() }))
    }
    .await;
    lock.release().await;
    let (removed, left) = result?;
    if removed == 0 {
        printer.status("nothing to remove: no stopped container of these services");
    }
    if left > 0 {
        printer.status(&format!(
            "{} left alone (`stack rm --stop` removes running ones too)",
            counted(left, "running container")
        ));
    }
    Ok(())
}
