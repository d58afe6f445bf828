//! `stack schema`: print the manifest's JSON Schema for editors, or write it beside the
//! manifest where the `# yaml-language-server` line of a stack.yaml points.

use std::path::{Path, PathBuf};

use crate::commands::project::{io_error, manifest_files};
use crate::error::Error;
use crate::manifest::schema::{SCHEMA_FILE, schema_json};
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn schema(settings: &Settings, printer: &Printer, write: bool) -> Result<(), Error> {
    if !write {
        printer.data(&schema_json());
        return Ok(());
    }
    let root = manifest_files(settings)
        .and_then(|files| {
            files
                .first()
                .and_then(|f| f.parent().map(Path::to_path_buf))
        })
        .unwrap_or_else(|| settings.cwd.clone());
    let written = write_schema(&root)?;
    printer.status(&format!("wrote {}", written.display()));
    Ok(())
}

/// Writes the schema to `.stack/schema.json` under `root`, the directory of stack.yaml.
pub(crate) fn write_schema(root: &Path) -> Result<PathBuf, Error> {
    let path = root.join(SCHEMA_FILE);
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir).map_err(io_error("create", dir))?;
    std::fs::write(&path, schema_json()).map_err(io_error("write", &path))?;
    Ok(path)
}
