//! `stack deploy --swarm` and `stack down --swarm`: the project on the engine's swarm,
//! started in dependency order and waited for with `up`'s verdict, and taken away again.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::cli::DeployArgs;
use crate::commands::export::images;
use crate::commands::project::load_manifest;
use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::engine::swarm::SwarmRequest;
use crate::error::Error;
use crate::export::compose;
use crate::export::report::Report;
use crate::interrupts::Interrupts;
use crate::plan::plan::start_order;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;
use crate::ui::progress::Mode;

pub(crate) async fn deploy(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &DeployArgs,
) -> Result<(), Error> {
    let started = Instant::now();
    let manifest = load_manifest(settings)?;
    let (artifacts, desired) = images(settings, &manifest, &args.registry)?;
    let engine = Engine::connect(&settings.env).await?;
    engine.require_swarm().await?;
    if !engine.project_containers(&manifest.name).await?.is_empty() {
        return Err(EngineError::LocallyUp {
            project: manifest.name.clone(),
        }
        .into());
    }
    let mut missing = Vec::new();
    for (name, artifact) in &artifacts {
        if !engine.has_image(&artifact.image).await? {
            missing.push(format!("{name} ({})", artifact.image));
        }
    }
    if !missing.is_empty() {
        return Err(Error::Usage {
            message: format!("images not on this node: {}", missing.join(", ")),
            hint: Some(
                "the swarm runs the images already here (it does not pull them): `stack build`, and with a registry `stack push` on the node that built them".to_string(),
            ),
        });
    }
    let mut report = Report::default();
    let file = compose::render(
        &manifest,
        &artifacts,
        args.endpoint.endpoint_mode,
        &mut report,
    );
    let order = start_order(&desired.services);
    let health: BTreeMap<_, _> = manifest
        .services
        .values()
        .filter_map(|s| Some((s.name.clone(), s.health.clone()?)))
        .collect();
    let request = SwarmRequest {
        project: manifest.name.clone(),
        file,
        health,
        order: order.clone(),
    };
    let interrupts = interrupts.claim();
    let display = Display::new(args.progress, settings);
    let ready = display
        .show(&order, |events| {
            let engine = engine.clone();
            let interrupts = interrupts.clone();
            async move {
                interrupts
                    .or_interrupted(engine.deploy_swarm(request, &events))
                    .await
            }
        })
        .await?;
    if display.mode != Mode::Json {
        let width = order.iter().map(String::len).max().unwrap_or(0);
        let mut summary = format!(
            "{} service{} ready on the swarm in {:.1}s",
            ready.len(),
            if ready.len() == 1 { "" } else { "s" },
            started.elapsed().as_secs_f64()
        );
        for name in &order {
            if let Some(url) = ready
                .iter()
                .find(|r| &r.service == name)
                .and_then(|r| r.url.as_ref())
            {
                summary.push_str(&format!("\n  {name:<width$}  {url}"));
            }
        }
        printer.status(&summary);
        printer.status("`stack down --swarm` removes it");
    }
    Ok(())
}

/// `stack down --swarm`: removes the project's swarm services, configs and network, and
/// with `volumes` its volumes.
pub(crate) async fn remove(
    settings: &Settings,
    printer: &Printer,
    volumes: bool,
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let engine = Engine::connect(&settings.env).await?;
    engine.require_swarm().await?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    let project = manifest.name.clone();
    Display::plain(settings)
        .show(&names, |events| async move {
            let emit = |event| {
                let _ = events.send(event);
            };
            engine.remove_swarm(&project, volumes, &emit).await
        })
        .await?;
    if !volumes {
        printer.status("named volumes are kept; `stack down --swarm --volumes` deletes them");
    }
    Ok(())
}
