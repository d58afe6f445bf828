//! `stack ps`: the project's containers with state, health (probed now), published
//! ports and uptime; `--json` for scripts.

use std::time::{Duration, SystemTime};

use futures_util::future::join_all;
use serde::Serialize;

use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::engine::health::Probe;
use crate::error::Error;
use crate::manifest::health::url;
use crate::plan::spec::Publish;
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// One row of `stack ps`.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) service: String,
    pub(crate) container: String,
    /// running, exited, created …
    pub(crate) state: String,
    /// healthy, unhealthy (with the probe's error), or none when there is no check.
    pub(crate) health: String,
    pub(crate) exit_code: Option<i64>,
    /// `http://127.0.0.1:49153` for a published port.
    pub(crate) url: Option<String>,
    /// `127.0.0.1:49153->8000/tcp`.
    pub(crate) ports: Vec<String>,
    pub(crate) uptime_seconds: Option<u64>,
}

pub(crate) async fn ps(settings: &Settings, printer: &Printer, json: bool) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    let containers = engine.project_containers(&manifest.name).await?;
    let rows = join_all(containers.iter().map(|container| {
        let engine = &engine;
        let manifest = &manifest;
        async move {
            let service = manifest.services.get(&container.service);
            let publish = service.and_then(Publish::of);
            let port = publish.as_ref().map(|p| p.container_port);
            let state = engine.container_state(&container.id, port, "").await.ok();
            let running = container.running();
            let address = publish
                .zip(state.as_ref().and_then(|s| s.host_port))
                .map(|(publish, host_port)| publish.address(host_port));
            let health = match service.and_then(|s| s.health.as_ref()) {
                _ if !running => "-".to_string(),
                None => "none".to_string(),
                Some(health) => match Probe::new(&health.check, address.clone(), &container.id) {
                    Some(probe) => match engine.probe(&probe).await {
                        Ok(()) => "healthy".to_string(),
                        Err(error) => format!("unhealthy: {error}"),
                    },
                    None => "none".to_string(),
                },
            };
            let uptime_seconds = state
                .as_ref()
                .filter(|_| running)
                .and_then(|s| s.started())
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .map(|d| d.as_secs());
            Row {
                service: container.service.clone(),
                container: container.name.clone(),
                state: container.state.clone(),
                health,
                exit_code: container.exit_code(),
                url: address.filter(|_| running).map(|a| {
                    url(
                        service.and_then(|s| s.health.as_ref()).map(|h| &h.check),
                        &a,
                    )
                }),
                ports: container
                    .ports
                    .iter()
                    .map(|(private, ip, public)| format!("{ip}:{public}->{private}/tcp"))
                    .collect(),
                uptime_seconds,
            }
        }
    }))
    .await;
    if json {
        printer.data(&serde_json::to_string_pretty(&rows).expect("rows serialise"));
    } else if rows.is_empty() {
        printer.status(&format!(
            "no containers for project `{}`; `stack up` starts them",
            manifest.name
        ));
    } else {
        printer.data(&table(&rows));
    }
    Ok(())
}

fn table(rows: &[Row]) -> String {
    let header = ["SERVICE", "STATE", "HEALTH", "PORTS", "UPTIME"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            let state = match row.exit_code {
                Some(code) if row.state != "running" => format!("{} ({code})", row.state),
                _ => row.state.clone(),
            };
            let health = row.health.split(':').next().unwrap_or_default().to_string();
            let uptime = row
                .uptime_seconds
                .map(|s| humantime::format_duration(Duration::from_secs(s)).to_string())
                .unwrap_or_else(|| "-".to_string());
            [
                row.service.clone(),
                state,
                health,
                row.ports.join(", "),
                uptime,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: [&str; 5]| {
        cols.iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(header)];
    for c in &cells {
        out.push(line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    out.join("\n")
}
