//! `stack config`: validate the manifest and print it resolved, as stack will use it.

use crate::commands::project::load_manifest;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn config(settings: &Settings, printer: &Printer) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let text = serde_json::to_string_pretty(&manifest)
        .expect("the manifest holds only strings, numbers and lists");
    printer.data(&text);
    Ok(())
}
