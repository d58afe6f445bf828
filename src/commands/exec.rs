//! `stack exec SERVICE CMD…`: run a command in a service's running container. On a
//! terminal it is interactive (a TTY, raw keys, the terminal's size); stdin is passed
//! through either way; its exit code becomes stack's.

use crate::cli::ExecArgs;
use crate::commands::attached::{Wiring, exit_code, process};
use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::plan::spec::container_name;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// Returns the command's exit code.
pub(crate) async fn exec(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &ExecArgs,
) -> Result<i32, Error> {
    let manifest = load_manifest(settings)?;
    let service = &args.service;
    find_service(&manifest, service)?;
    let process = process(&args.process, &args.command, &settings.env)?;
    let engine = Engine::connect(&settings.env).await?;
    let name = container_name(&manifest.name, service);
    let running = engine
        .container_state(&name, None, "")
        .await
        .is_ok_and(|state| state.running);
    if !running {
        return Err(Error::Usage {
            message: format!("service `{service}` is not running"),
            hint: Some(format!("start it with `stack up -d {service}`")),
        });
    }
    let mut sink = |is_stderr: bool, bytes: &[u8]| printer.raw(is_stderr, bytes);
    if !process.tty {
        // Ctrl-C ends stack at once, as before; the command runs on in the container, as
        // with `docker exec`.
        let io = Wiring::new(&process)?.io(&mut sink);
        let code = engine.exec_attached(&name, &process, io).await?;
        return Ok(exit_code(code));
    }
    // The session is the user's: Ctrl-C is a key for the container (the terminal is raw),
    // and a signal from elsewhere ends the session with the terminal put back.
    let interrupts = interrupts.claim();
    let wiring = Wiring::new(&process)?;
    let session = engine.exec_attached(&name, &process, wiring.io(&mut sink));
    let result = interrupts.or_interrupted(session).await;
    drop(wiring);
    Ok(exit_code(result?))
}
