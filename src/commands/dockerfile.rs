//! `stack dockerfile SERVICE`: print the Dockerfile stack would build the service with.

use crate::build::ca::ca_bundle;
use crate::build::context::DockerfileSource;
use crate::build::dockerfile::dockerfile_source;
use crate::commands::project::{find_service, load_manifest};
use crate::error::Error;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn dockerfile(settings: &Settings, printer: &Printer, name: &str) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let service = find_service(&manifest, name)?;
    let ca_pem = ca_bundle(&settings.cwd, &settings.ca_certs, &manifest)?;
    match dockerfile_source(service, &ca_pem)? {
        DockerfileSource::Own(path) => {
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
        DockerfileSource::Generated(rendered) => {
            for warning in &rendered.detection.warnings {
                printer.warn(warning);
            }
            printer.data(&rendered.dockerfile);
        }
    }
    Ok(())
}
