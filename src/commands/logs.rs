//! `stack logs`: the services' output, optionally followed across restarts.

use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::progress::{Mode, Progress};

pub(crate) async fn logs(
    settings: &Settings,
    follow: bool,
    tail: Option<usize>,
    services: &[String],
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    for name in services {
        find_service(&manifest, name)?;
    }
    let all: Vec<String> = manifest.services.keys().cloned().collect();
    let chosen = if services.is_empty() {
        all.clone()
    } else {
        services.to_vec()
    };
    let engine = Engine::connect(&settings.env).await?;
    let progress = Progress::new(Mode::Plain, settings.color, &chosen);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let ui = tokio::spawn(progress.run(rx));
    tokio::select! {
        () = engine.logs(&manifest.name, &chosen, tail, None, follow, &tx) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(tx);
    let _ = ui.await;
    Ok(())
}
