//! `stack config`: validate the manifest and print it resolved, as stack will use it.

use crate::build::sources::resolve;
use crate::commands::project::load_manifest;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn config(settings: &Settings, printer: &Printer, services: bool) -> Result<(), Error> {
    let mut manifest = load_manifest(settings)?;
    if services {
        // As `docker compose config --services`: for scripts and shell completion, so
        // without detection, which reads every service's files.
        for name in manifest.services.keys() {
            printer.data(name);
        }
        return Ok(());
    }
    // What detection rejects is a manifest problem: `config` reports it as `plan` would.
    for warning in resolve(&mut manifest, &[])?.warnings {
        printer.warn(&warning);
    }
    let text = serde_json::to_string_pretty(&manifest)
        .expect("the manifest holds only strings, numbers and lists");
    printer.data(&text);
    Ok(())
}
