//! `stack schema`: print the manifest's JSON Schema for editors.

use crate::error::Error;
use crate::manifest::schema::schema_json;
use crate::ui::printer::Printer;

pub(crate) fn schema(printer: &Printer) -> Result<(), Error> {
    printer.data(&schema_json());
    Ok(())
}
