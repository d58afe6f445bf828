//! `stack restart [SERVICE…]`: stop services, then bring the stack up again so they
//! start in order and are waited for until healthy.

use crate::cli::RunArgs;
use crate::commands::project::{find_service, load_manifest};
use crate::commands::session::Session;
use crate::commands::up::bring_up;
use crate::engine::down::STOP_TIMEOUT;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

pub(crate) async fn restart(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    run: &RunArgs,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    for name in services {
        find_service(&manifest, name)?;
    }
    let interrupts = interrupts.claim();
    let (session, lock) = Session::open_locked(settings, printer, &interrupts, "restart").await?;
    let result = async {
        let engine = session.engine.clone();
        let names: Vec<String> = manifest.services.keys().cloned().collect();
        Display::new(run.progress, settings)
            .show(&names, |events| async move {
                engine
                    .stop_services(&manifest.name, services, STOP_TIMEOUT, &events)
                    .await
            })
            .await?;
        let session = session.observe_again().await?;
        bring_up(settings, printer, &interrupts, session, run).await
    }
    .await;
    lock.release().await;
    result.map(|_| ())
}
