//! `stack gc`: removes what interrupted runs left (see `engine/gc.rs` for what counts),
//! listing every object before removing it; `--dry-run` only lists.

use std::time::SystemTime;

use crate::cli::GcArgs;
use crate::engine::client::Engine;
use crate::engine::gc::{Verdict, collect};
use crate::engine::lock::Holder;
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) async fn gc(settings: &Settings, printer: &Printer, args: &GcArgs) -> Result<(), Error> {
    let engine = Engine::connect(&settings.env).await?;
    let mut objects = engine.labelled().await?;
    if !args.projects.is_empty() {
        objects.retain(|o| args.projects.iter().any(|p| matches(p, &o.project)));
    }
    let collections = collect(objects, args.older_than, args.volumes, SystemTime::now());
    let mut removed = 0;
    let mut first_error = None;
    for collection in &collections {
        let why = match &collection.verdict {
            Verdict::Held(holder) => {
                printer.status(&format!(
                    "project {}: in use by {}; left alone",
                    collection.project,
                    holder_text(holder)
                ));
                continue;
            }
            Verdict::Running if collection.remove.is_empty() => {
                printer.status(&format!(
                    "project {}: running; left alone",
                    collection.project
                ));
                continue;
            }
            _ if collection.remove.is_empty() => continue,
            Verdict::Running => "running; its lock was left by a stack that is gone".to_string(),
            Verdict::InterruptedCi(holder) | Verdict::Interrupted(holder) => {
                format!("interrupted {}", holder_text(holder))
            }
            Verdict::Stopped => "not running".to_string(),
        };
        printer.status(&format!("project {}: {why}", collection.project));
        for object in &collection.remove {
            printer.data(&format!("{} {}", object.kind.name(), object.name));
            if args.dry_run {
                continue;
            }
            match engine.remove_labelled(object).await {
                Ok(()) => removed += 1,
                Err(error) => {
                    printer.warn(&format!(
                        "cannot remove {} {}: {error}",
                        object.kind.name(),
                        object.name
                    ));
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    let listed: usize = collections.iter().map(|c| c.remove.len()).sum();
    printer.status(&if args.dry_run {
        format!(
            "dry run: {listed} object{} would be removed",
            plural(listed)
        )
    } else {
        format!("removed {removed} object{}", plural(removed))
    });
    match first_error {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// `stack ci (pid 4242)`, `stack up (pid 12 on build-7)`.
fn holder_text(holder: &Holder) -> String {
    if holder.here {
        format!("stack {} (pid {})", holder.command, holder.pid)
    } else {
        format!(
            "stack {} (pid {} on {})",
            holder.command, holder.pid, holder.host
        )
    }
}

/// Whether `project` is the one `pattern` names: exactly, or by its start before a `*`.
fn matches(pattern: &str, project: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(start) => project.starts_with(start),
        None => project == pattern,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
