//! `stack dockerfile SERVICE`: print the Dockerfile stack would build the service with.

use std::path::PathBuf;

use crate::build::dockerfile::{RenderOptions, Rendered, render};
use crate::commands::project::{find_service, load_manifest};
use crate::detect::detection::detect;
use crate::error::Error;
use crate::manifest::project::Manifest;
use crate::manifest::service::{Service, Source};
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn dockerfile(settings: &Settings, printer: &Printer, name: &str) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let service = find_service(&manifest, name)?;
    match own_dockerfile(service)? {
        Some(path) => {
            printer.status(&format!(
                "service `{name}` has its own {}; stack builds it unchanged",
                path.display()
            ));
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            printer.data(&text);
        }
        None => printer.data(&generate(settings, &manifest, service)?.dockerfile),
    }
    Ok(())
}

/// The service's own Dockerfile, when it has one; an error for image services.
pub(crate) fn own_dockerfile(service: &Service) -> Result<Option<PathBuf>, Error> {
    match &service.source {
        Source::Image(image) => Err(Error::Usage {
            message: format!(
                "service `{}` runs the image {image}; stack does not build it",
                service.name
            ),
            hint: Some("only services with `path:` have a generated Dockerfile".to_string()),
        }),
        Source::Build { dir, .. } => {
            let path = dir.join("Dockerfile");
            Ok(path.is_file().then_some(path))
        }
    }
}

/// Detects and renders the generated files for a service without a Dockerfile of its own.
pub(crate) fn generate(
    settings: &Settings,
    manifest: &Manifest,
    service: &Service,
) -> Result<Rendered, Error> {
    let detection = detect(service)?;
    let options = RenderOptions {
        ca_certificate: !settings.ca_certs.is_empty() || !manifest.ca_certificates.is_empty(),
    };
    Ok(render(service, &detection, &options))
}
