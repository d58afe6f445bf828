//! `stack ps`: the project's running containers (all with `-a`) with state, health
//! (probed now), URL, published ports and uptime; ids (`-q`), service names
//! (`--services`), JSON or a `{{.Field}}` template (`--format`) for scripts.

use std::time::{Duration, SystemTime};

use futures_util::future::join_all;
use serde::Serialize;

use crate::cli::PsArgs;
use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::engine::container::ProjectContainer;
use crate::engine::health::Probe;
use crate::error::Error;
use crate::manifest::health::url;
use crate::manifest::project::Manifest;
use crate::plan::spec::Publish;
use crate::settings::Settings;
use crate::ui::printer::{Printer, counted};
use crate::ui::template::{Template, aligned};

/// The fields a `--format` template can name, in the order `--help` lists them.
const FIELDS: [&str; 11] = [
    "ID", "Name", "Image", "Service", "State", "Status", "Health", "ExitCode", "URL", "Ports",
    "Uptime",
];

/// One row of `stack ps`.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) service: String,
    pub(crate) container: String,
    pub(crate) id: String,
    pub(crate) image: String,
    /// running, exited, created …
    pub(crate) state: String,
    /// healthy, unhealthy (with the probe's error), none when there is no check, `-` when
    /// it is not running or was not asked for.
    pub(crate) health: String,
    pub(crate) exit_code: Option<i64>,
    /// Where the host reaches it: `http://127.0.0.1:49153` for a service with an HTTP
    /// check, `127.0.0.1:49153` for any other published port.
    pub(crate) url: Option<String>,
    /// `127.0.0.1:49153->8000/tcp`.
    pub(crate) ports: Vec<String>,
    pub(crate) uptime_seconds: Option<u64>,
}

/// How the rows are printed.
enum Output {
    Table,
    Json,
    Template(Template),
    Ids,
    Services,
}

pub(crate) async fn ps(settings: &Settings, printer: &Printer, args: &PsArgs) -> Result<(), Error> {
    let output = match args.format.as_deref() {
        _ if args.quiet => Output::Ids,
        _ if args.services => Output::Services,
        _ if args.json => Output::Json,
        None | Some("table") => Output::Table,
        Some("json") => Output::Json,
        Some(text) => Output::Template(Template::parse(text, &FIELDS).map_err(|message| {
            Error::Usage {
                message: format!("--format: {message}"),
                hint: Some(
                    "`table`, `json`, or a template such as `{{.Service}} {{.URL}}` (`table {{.Service}}\\t{{.URL}}` for aligned columns)"
                        .to_string(),
                ),
            }
        })?),
    };
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    let mut containers = engine.project_containers(&manifest.name).await?;
    let everything = containers.len();
    if !args.all {
        containers.retain(|c| c.state != "exited" && c.state != "created" && c.state != "dead");
    }
    let hidden = everything - containers.len();
    let probe = matches!(output, Output::Table | Output::Json)
        || args
            .format
            .as_deref()
            .is_some_and(|f| f.contains(".Health"));
    let rows = join_all(
        containers
            .iter()
            .map(|container| row(&engine, &manifest, container, probe)),
    )
    .await;
    let for_people = match &output {
        Output::Table => true,
        Output::Template(template) => template.is_table(),
        Output::Json | Output::Ids | Output::Services => false,
    };
    match output {
        Output::Ids => print_lines(printer, rows.iter().map(|r| r.id.clone())),
        Output::Services => {
            let mut services: Vec<String> = rows.iter().map(|r| r.service.clone()).collect();
            services.dedup();
            print_lines(printer, services.into_iter());
        }
        Output::Json => {
            printer.data(&serde_json::to_string_pretty(&rows).expect("rows serialise"));
        }
        Output::Template(template) => {
            let fields: Vec<Vec<(&str, String)>> = rows.iter().map(Row::fields).collect();
            print_lines(printer, std::iter::once(template.render(&fields)));
        }
        Output::Table if rows.is_empty() => {
            let which = if args.all { "" } else { "running " };
            printer.status(&format!(
                "no {which}containers for project `{}`; `stack up` starts them",
                manifest.name
            ));
        }
        Output::Table => printer.data(&table(&rows)),
    }
    // For people reading a table; scripts get exactly what they asked for.
    if hidden > 0 && for_people {
        printer.status(&format!(
            "{} not shown (`stack ps -a` shows every container)",
            counted(hidden, "stopped container")
        ));
    }
    Ok(())
}

/// What `ps` says about one container; its health is probed only when `probe`.
async fn row(
    engine: &Engine,
    manifest: &Manifest,
    container: &ProjectContainer,
    probe: bool,
) -> Row {
    let service = manifest.services.get(&container.service);
    let publish = service.and_then(Publish::of);
    let port = publish.as_ref().map(|p| p.container_port);
    let state = engine.container_state(&container.id, port, "").await.ok();
    let running = container.running();
    let address = publish
        .zip(state.as_ref().and_then(|s| s.host_port))
        .map(|(publish, host_port)| publish.address(host_port));
    let health = service.and_then(|s| s.health.as_ref());
    let checked = match health {
        _ if !running || !probe => "-".to_string(),
        None => "none".to_string(),
        Some(health) => match Probe::new(&health.check, address.clone(), &container.id) {
            Some(check) => match engine.probe(&check).await {
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
        id: container.id.clone(),
        image: container.image.clone(),
        state: container.state.clone(),
        health: checked,
        exit_code: container.exit_code(),
        url: address
            .filter(|_| running)
            .map(|address| url(health.map(|h| &h.check), &address)),
        ports: container
            .ports
            .iter()
            .map(|(private, ip, public)| format!("{ip}:{public}->{private}/tcp"))
            .collect(),
        uptime_seconds,
    }
}

impl Row {
    /// `exited (3)` for a stopped container, else its state.
    fn status(&self) -> String {
        match self.exit_code {
            Some(code) if self.state != "running" => format!("{} ({code})", self.state),
            _ => self.state.clone(),
        }
    }

    fn uptime(&self) -> String {
        self.uptime_seconds
            .map(|s| humantime::format_duration(Duration::from_secs(s)).to_string())
            .unwrap_or_else(|| "-".to_string())
    }

    /// The row as `--format` templates see it, one entry per name of `FIELDS`.
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ID", self.id.clone()),
            ("Name", self.container.clone()),
            ("Image", self.image.clone()),
            ("Service", self.service.clone()),
            ("State", self.state.clone()),
            ("Status", self.status()),
            ("Health", self.health.clone()),
            (
                "ExitCode",
                self.exit_code.map(|c| c.to_string()).unwrap_or_default(),
            ),
            ("URL", self.url.clone().unwrap_or_default()),
            ("Ports", self.ports.join(", ")),
            ("Uptime", self.uptime()),
        ]
    }
}

fn print_lines(printer: &Printer, lines: impl Iterator<Item = String>) {
    let text: Vec<String> = lines.collect();
    if !text.is_empty() {
        printer.data(&text.join("\n"));
    }
}

fn table(rows: &[Row]) -> String {
    let mut lines = vec!["SERVICE\tSTATE\tHEALTH\tURL\tPORTS\tUPTIME".to_string()];
    for row in rows {
        let health = row.health.split(':').next().unwrap_or_default();
        lines.push(format!(
            "{}\t{}\t{health}\t{}\t{}\t{}",
            row.service,
            row.status(),
            row.url.as_deref().unwrap_or_default(),
            row.ports.join(", "),
            row.uptime()
        ));
    }
    aligned(&lines)
}
