//! `stack logs`: the services' output, optionally followed across restarts, cut to a
//! time range (`--since`, `--until`), with timestamps or without the service prefix.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::LogsArgs;
use crate::commands::project::load_for;
use crate::engine::client::Engine;
use crate::engine::logs::LogRange;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;

pub(crate) async fn logs(
    settings: &Settings,
    interrupts: &Interrupts,
    args: &LogsArgs,
) -> Result<(), Error> {
    let now = SystemTime::now();
    let instant = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|text| {
                instant(text, now).map_err(|message| Error::Usage {
                    message: format!("{flag} {text}: {message}"),
                    hint: Some(
                        "write a duration ago (`10m`, `1h30m`, `45s`), a UTC time (`2024-05-01T10:00:00Z`, `2024-05-01`) or Unix seconds"
                            .to_string(),
                    ),
                })
            })
            .transpose()
    };
    let range = LogRange {
        tail: args.tail,
        since: instant("--since", &args.since)?,
        until: instant("--until", &args.until)?,
        follow: args.follow,
        timestamps: args.timestamps,
    };
    let manifest = load_for(settings, &args.services)?;
    let chosen = if args.services.is_empty() {
        manifest.services.keys().cloned().collect()
    } else {
        args.services.clone()
    };
    let engine = Engine::connect(&settings.env).await?;
    // Following ends at Ctrl-C; that is how it is meant to end, not a failure.
    let interrupts = interrupts.claim();
    let display = if args.no_log_prefix {
        Display::plain(settings).without_log_prefix()
    } else {
        Display::plain(settings)
    };
    display
        .show(&chosen, |events| {
            let (engine, chosen) = (&engine, &chosen);
            async move {
                let stream = engine.logs_in(&manifest.name, chosen, range, &events);
                interrupts.until_first(stream).await;
            }
        })
        .await;
    Ok(())
}

/// A point in time as `docker logs --since` takes it, in Unix seconds: a duration before
/// `now` (`10m`), a UTC time (`2024-05-01T10:00:00Z`, fractions and the `Z` optional, or
/// a date alone), or Unix seconds (`1714557600`, `1714557600.5`).
fn instant(text: &str, now: SystemTime) -> Result<f64, String> {
    let text = text.trim();
    let seconds = |time: SystemTime| {
        time.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .map_err(|_| "that is before 1970".to_string())
    };
    if let Ok(ago) = humantime::parse_duration(text) {
        return seconds(now.checked_sub(ago).unwrap_or(UNIX_EPOCH));
    }
    if let Ok(unix) = text.parse::<f64>()
        && unix.is_finite()
        && unix >= 0.0
    {
        return Ok(unix);
    }
    let stamp = text.trim_end_matches('Z');
    let stamp = if stamp.len() == 10 {
        format!("{stamp}T00:00:00")
    } else {
        stamp.to_string()
    };
    match humantime::parse_rfc3339_weak(&stamp) {
        Ok(time) => seconds(time),
        Err(_) => Err("not a duration, a time or Unix seconds".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::instant;

    #[test]
    fn times_are_read_as_docker_logs_reads_them() {
        let now = UNIX_EPOCH + Duration::from_secs(1_714_557_600);
        let at = |text: &str| instant(text, now).expect(text);
        assert_eq!(at("10m"), 1_714_557_600.0 - 600.0);
        assert_eq!(at("1h30m"), 1_714_557_600.0 - 5400.0);
        assert_eq!(at("2024-05-01T10:00:00Z"), 1_714_557_600.0);
        assert_eq!(at("2024-05-01T10:00:00.5Z"), 1_714_557_600.5);
        assert_eq!(at("2024-05-01T10:00:00"), 1_714_557_600.0);
        assert_eq!(at("2024-05-01"), 1_714_521_600.0);
        assert_eq!(at("1714557600"), 1_714_557_600.0);
        assert_eq!(at("1714557600.25"), 1_714_557_600.25);
        assert!(instant("yesterday", now).is_err());
        assert!(instant("-5", now).is_err());
    }
}
