//! `stack plan`: what `up` would do, in order, without doing it.

use std::fmt::Write as _;

use crate::commands::session::Session;
use crate::error::Error;
use crate::plan::mode::recreate_reason;
use crate::plan::plan::{ContainerAction, Plan, Presence};
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn plan(settings: &Settings, printer: &Printer, json: bool) -> Result<(), Error> {
    let session = Session::open(settings).await?;
    for warning in &session.desired.warnings {
        printer.warn(warning);
    }
    if json {
        let text = serde_json::to_string_pretty(&session.plan).expect("plans serialise");
        printer.data(&text);
    } else {
        printer.data(&render(&session.plan));
    }
    Ok(())
}

/// The plan as a person reads it.
pub(crate) fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let presence = |p: &Presence| match p {
        Presence::Create => "create",
        Presence::Exists => "exists",
    };
    let _ = writeln!(out, "project {}", plan.project);
    let _ = writeln!(
        out,
        "  network {}: {}",
        plan.network.0,
        presence(&plan.network.1)
    );
    for (name, p) in &plan.volumes {
        let _ = writeln!(out, "  volume {name}: {}", presence(p));
    }
    let pulls: Vec<[&str; 3]> = plan
        .pulls
        .iter()
        .map(|p| [p.service.as_str(), "pull", p.image.as_str()])
        .collect();
    table(&mut out, "pulls", &pulls);
    let builds: Vec<[&str; 3]> = plan
        .builds
        .iter()
        .map(|b| {
            let what = if b.cached { "up to date" } else { "build" };
            [b.service.as_str(), what, b.image.as_str()]
        })
        .collect();
    table(&mut out, "builds", &builds);
    let _ = writeln!(out, "services, in start order:");
    let width = plan
        .services
        .iter()
        .map(|s| s.service.len())
        .max()
        .unwrap_or(0);
    for step in &plan.services {
        let action = match &step.action {
            ContainerAction::Create => "create".to_string(),
            ContainerAction::Recreate { changed } => {
                format!("recreate ({})", recreate_reason(changed))
            }
            ContainerAction::Start => "start".to_string(),
            ContainerAction::Keep => "keep".to_string(),
        };
        let after = if step.after.is_empty() {
            String::new()
        } else {
            format!("  after {}", step.after.join(", "))
        };
        let task = if step.task { "  (task)" } else { "" };
        let _ = writeln!(out, "  {:<width$}  {action}{after}{task}", step.service);
    }
    for orphan in &plan.orphans {
        let _ = writeln!(
            out,
            "  {orphan}: no longer in the manifest (`stack down` removes it)"
        );
    }
    if plan.is_noop() {
        let _ = writeln!(out, "nothing to do: everything is up to date and running");
    }
    out
}

/// A titled list of `service  what  image` rows, service names padded to one width.
fn table(out: &mut String, title: &str, rows: &[[&str; 3]]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    let width = rows
        .iter()
        .map(|[service, ..]| service.len())
        .max()
        .unwrap_or(0);
    for [service, what, image] in rows {
        let _ = writeln!(out, "  {service:<width$}  {what}  {image}");
    }
}
