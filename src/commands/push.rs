//! `stack push`: the content-hashed images of built services, tagged for a registry and
//! pushed there, so another machine (a swarm node, a cluster) can pull exactly them.

use crate::cli::PushArgs;
use crate::commands::export::{images, registry};
use crate::commands::project::{find_service, load_manifest};
use crate::engine::client::Engine;
use crate::error::Error;
use crate::interrupts::Interrupts;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;

pub(crate) async fn push(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &PushArgs,
) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let Some(registry) = registry(&manifest, &args.registry)? else {
        return Err(Error::Usage {
            message: "no registry to push to".to_string(),
            hint: Some(
                "pass `--registry host:port/prefix`, or set `registry:` in stack.yaml".to_string(),
            ),
        });
    };
    for name in &args.services {
        find_service(&manifest, name)?;
    }
    let (artifacts, desired) = images(settings, &manifest, &args.registry)?;
    // (service, local tag, registry name) of each built service asked for.
    let pushes: Vec<(String, String, String)> = desired
        .services
        .iter()
        .filter(|(name, _)| args.services.is_empty() || args.services.contains(name))
        .filter(|(name, _)| artifacts[*name].built)
        .map(|(name, d)| {
            (
                name.clone(),
                d.spec.image.clone(),
                artifacts[name].image.clone(),
            )
        })
        .collect();
    if pushes.is_empty() {
        printer.status("no service is built by stack: nothing to push");
        return Ok(());
    }
    let engine = Engine::connect(&settings.env).await?;
    let mut missing = Vec::new();
    for (service, local, _) in &pushes {
        if !engine.has_image(local).await? {
            missing.push(format!("{service} ({local})"));
        }
    }
    if !missing.is_empty() {
        return Err(Error::Usage {
            message: format!("not built yet: {}", missing.join(", ")),
            hint: Some(
                "run `stack build` first: stack pushes the images it built for this source"
                    .to_string(),
            ),
        });
    }
    let order: Vec<String> = pushes.iter().map(|(s, _, _)| s.clone()).collect();
    let count = pushes.len();
    let interrupts = interrupts.claim();
    Display::new(args.progress, settings)
        .show(&order, |events| async move {
            let emit = |event| {
                let _ = events.send(event);
            };
            let all = async {
                // One at a time: layers shared between images are pushed once, and the
                // second finds them there.
                for (service, local, remote) in &pushes {
                    engine.push(service, local, remote, &emit).await?;
                }
                Ok::<(), crate::engine::error::EngineError>(())
            };
            interrupts.or_interrupted(all).await
        })
        .await?;
    printer.status(&format!(
        "pushed {count} image{} to {registry}",
        if count == 1 { "" } else { "s" }
    ));
    Ok(())
}
