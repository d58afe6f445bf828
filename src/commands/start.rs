//! `stack start [SERVICE…]`: start services' existing containers, as they are, in
//! dependency order, and wait until they are healthy (nothing is built or created: that
//! is `up`).

use crate::cli::RunArgs;
use crate::commands::session::{Scope, Session};
use crate::commands::up::bring_up;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn start(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    run: &RunArgs,
    services: &[String],
) -> Result<(), Error> {
    let interrupts = interrupts.claim();
    let scope = Scope::only(services);
    let (mut session, lock) =
        Session::open_locked(settings, printer, &interrupts, "start", &scope).await?;
    let existing = session.plan.existing_only();
    let result = async {
        if let Some(name) = existing.missing.first().filter(|_| !services.is_empty()) {
            return Err(Error::Usage {
                message: format!("service `{name}` has no container to start"),
                hint: Some(format!("`stack up {name}` creates and starts it")),
            });
        }
        if session.plan.services.is_empty() {
            return Err(Error::Usage {
                message: format!("project `{}` has no containers to start", session.desired.project),
                hint: Some("`stack up` creates and starts them".to_string()),
            });
        }
        for name in &existing.missing {
            printer.status(&format!(
                "service `{name}` has no container; `stack up {name}` creates it"
            ));
        }
        for name in &existing.outdated {
            printer.warn(&format!(
                "service `{name}` changed since its container was made; it starts as it was (`stack up {name}` recreates it)"
            ));
        }
        bring_up(settings, printer, &interrupts, session, run).await
    }
    .await;
    lock.release().await;
    result.map(|_| ())
}
