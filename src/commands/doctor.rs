//! `stack doctor`: is the engine there, is the manifest valid, and what to do when not.

use crate::build::sources::resolve;
use crate::commands::project::{load_manifest, manifest_files};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn doctor(settings: &Settings, printer: &Printer) -> Result<(), Error> {
    let mut first_error = None;

    match Engine::connect(&settings.env).await {
        Ok(engine) => {
            let version = engine.version().await?;
            printer.data(&format!(
                "engine    ok  Docker Engine {} (API {}, {}/{}) at {} ({})",
                version.version,
                version.api_version,
                version.os,
                version.arch,
                engine.endpoint.host,
                engine.endpoint.origin
            ));
            let stand_ins = engine.stand_in_images().await?;
            if !stand_ins.is_empty() {
                printer.data(&format!("images    !!  local stand-ins under official names (test fixtures from scripts/base-images, not the real images): {}", stand_ins.join(", ")));
            }
        }
        Err(error) => {
            printer.data("engine    --  no Docker engine answered");
            first_error = Some(Error::from(error));
        }
    }

    if manifest_files(settings).is_some() {
        // What detection rejects is a manifest problem too.
        let loaded = load_manifest(settings)
            .and_then(|mut manifest| resolve(&mut manifest, &[]).map(|_| manifest));
        match loaded {
            Ok(manifest) => printer.data(&format!(
                "manifest  ok  {}: project `{}`, {} service{}",
                manifest.file.display(),
                manifest.name,
                manifest.services.len(),
                if manifest.services.len() == 1 {
                    ""
                } else {
                    "s"
                }
            )),
            Err(error) => {
                printer.data("manifest  --  invalid (see below)");
                if first_error.is_none() {
                    first_error = Some(error);
                } else {
                    printer.error(&error);
                }
            }
        }
    } else {
        printer.data("manifest  --  no stack.yaml here or above (skipped)");
    }

    match first_error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
