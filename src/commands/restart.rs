//! `stack restart [SERVICE…]`: stop services, then start them again in order and wait
//! until they are healthy. Their containers keep their host ports, so their URLs stay.

use crate::cli::RunArgs;
use crate::commands::session::{Scope, Session};
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
    let interrupts = interrupts.claim();
    let scope = Scope::only(services);
    let (session, lock) =
        Session::open_locked(settings, printer, &interrupts, "restart", &scope).await?;
    let result = async {
        let engine = session.engine.clone();
        // The lines of the stop and of the start line up: the same services, one width.
        let names = session.order();
        let project = &session.desired.project;
        Display::new(run.progress, settings)
            .show(&names, |events| async move {
                engine
                    .stop_services(project, services, STOP_TIMEOUT, &events)
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
