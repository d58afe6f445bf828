//! `stack kill [-s SIGNAL] [SERVICE…]`: send a signal to services' running containers.
//!
//! No lock: a signal is for now, even while another stack holds the project (a stuck
//! `up`, a foreground one that follows the logs).

use crate::commands::project::load_for;
use crate::engine::client::Engine;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

/// The Linux signals, by name without `SIG`, as the engine knows them.
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

pub(crate) async fn kill(
    settings: &Settings,
    printer: &Printer,
    signal: &str,
    services: &[String],
) -> Result<(), Error> {
    let signal = signal_name(signal)?;
    let manifest = load_for(settings, services)?;
    let engine = Engine::connect(&settings.env).await?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    let signalled = Display::plain(settings)
        .show(&names, |events| {
            let (engine, project, signal) = (&engine, &manifest.name, &signal);
            async move {
                engine
                    .kill_services(project, services, signal, &events)
                    .await
            }
        })
        .await?;
    if signalled == 0 {
        printer.status("nothing to signal: no container of these services is running");
    }
    Ok(())
}

/// `SIGHUP` for `hup`, `HUP`, `SIGHUP` or `1`; a usage error for anything else.
fn signal_name(text: &str) -> Result<String, Error> {
    let upper = text.trim().to_uppercase();
    if let Ok(number) = upper.parse::<u8>()
        && (1..=64).contains(&number)
    {
        return Ok(number.to_string());
    }
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if SIGNALS.contains(&name) {
        return Ok(format!("SIG{name}"));
    }
    Err(Error::Usage {
        message: format!("`{text}` is not a signal"),
        hint: Some(format!(
            "name one (SIGTERM, TERM, term) or give its number (1 to 64): {}",
            SIGNALS.map(|s| format!("SIG{s}")).join(", ")
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::signal_name;

    #[test]
    fn signals_are_named_as_people_write_them() {
        for text in ["hup", "HUP", "SIGHUP", "sighup", " SigHup "] {
            assert_eq!(signal_name(text).expect(text), "SIGHUP");
        }
        assert_eq!(signal_name("9").expect("a number"), "9");
        assert!(signal_name("0").is_err());
        assert!(signal_name("65").is_err());
        assert!(signal_name("SIGNOPE").is_err());
    }
}
