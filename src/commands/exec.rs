//! `stack exec SERVICE -- CMD`: run a command in a service's container; its exit code
//! becomes stack's.

use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::plan::spec::container_name;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// Returns the command's exit code.
pub(crate) async fn exec(
    settings: &Settings,
    printer: &Printer,
    service: &str,
    command: &[String],
) -> Result<i32, Error> {
    let manifest = load_manifest(settings)?;
    find_service(&manifest, service)?;
    let engine = Engine::connect(&settings.env).await?;
    let name = container_name(&manifest.name, service);
    let running = engine
        .container_state(&name, None, "")
        .await
        .is_ok_and(|state| state.running);
    if !running {
        return Err(Error::Usage {
            message: format!("service `{service}` is not running"),
            hint: Some("start it with `stack up -d`".to_string()),
        });
    }
    let mut sink = |is_stderr: bool, bytes: &[u8]| printer.raw(is_stderr, bytes);
    let code = engine.exec(&name, command, &mut sink).await?;
    Ok(i32::try_from(code).unwrap_or(1))
}
