//! `stack down`: remove the project's containers and network; volumes only when asked.

use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::plan::spec::network_name;
use crate::settings::Settings;
use crate::ui::printer::Printer;
use crate::ui::progress::{Mode, Progress};

pub(crate) async fn down(
    settings: &Settings,
    printer: &Printer,
    volumes: bool,
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    let progress = Progress::new(Mode::Plain, settings.color, &names);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let ui = tokio::spawn(progress.run(rx));
    let result = engine
        .down(&manifest.name, &network_name(&manifest.name), volumes, &tx)
        .await;
    drop(tx);
    let _ = ui.await;
    result?;
    if !volumes {
        printer.status("named volumes are kept; `stack down --volumes` deletes them");
    }
    Ok(())
}
