//! `stack restart [SERVICE…]`: stop services, then bring the stack up again so they
//! start in order and are waited for until healthy.

use crate::cli::{RunArgs, UpArgs};
use crate::commands::project::{find_service, load_manifest};
use crate::commands::session::Session;
use crate::commands::up::bring_up;
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn restart(
    settings: &Settings,
    printer: &Printer,
    run: &RunArgs,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    for name in services {
        find_service(&manifest, name)?;
    }
    let engine = Engine::connect(&settings.env).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    drop(rx);
    engine
        .stop_services(&manifest.name, services, STOP_TIMEOUT, &tx)
        .await?;
    let session = Session::open(settings).await?;
    let order = session.order();
    let args = UpArgs {
        detach: true,
        run: run.clone(),
    };
    bring_up(settings, printer, order, session, &args).await?;
    Ok(())
}
