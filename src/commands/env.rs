//! `stack env`: where each running service is reached from the host, as the
//! `STACK_<SERVICE>_URL`, `_HOST` and `_PORT` lines `stack ci` gives its command
//! (`eval "$(stack env)"` or `--env-file`-style files).

use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::plan::address::{Published, from_host, variables};
use crate::plan::spec::Publish;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn env(settings: &Settings, printer: &Printer) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    let ports = engine.published_ports(&manifest.name).await?;
    let services: Vec<Published> = manifest
        .services
        .values()
        .map(|service| Published::new(&service.name, Publish::of(service), service.health.as_ref()))
        .collect();
    let addresses = from_host(&services, &ports);
    if addresses.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "no service of project `{}` is running with a published port",
                manifest.name
            ),
            hint: Some("`stack up -d` starts them".to_string()),
        });
    }
    let lines: Vec<String> = variables(&manifest.name, &addresses)
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    printer.data(&lines.join("\n"));
    Ok(())
}
