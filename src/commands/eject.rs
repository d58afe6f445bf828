//! `stack eject SERVICE`: write the generated Dockerfile into the service, to own it from then on.

use std::path::Path;

use crate::build::ca::ca_bundle;
use crate::build::context::DockerfileSource;
use crate::build::dockerfile::dockerfile_source;
use crate::commands::project::{find_service, load_manifest};
use crate::error::Error;
use crate::manifest::locate::display_path;
use crate::new::scaffold;
use crate::settings::Settings;
use crate::ui::printer::Printer;

pub(crate) fn eject(settings: &Settings, printer: &Printer, name: &str) -> Result<(), Error> {
    let manifest = load_manifest(settings)?;
    let service = find_service(&manifest, name)?;
    let ca_pem = ca_bundle(&settings.cwd, &settings.ca_certs, &manifest)?;
    let rendered = match dockerfile_source(service, &ca_pem)? {
        DockerfileSource::Own(path) => {
            return Err(Error::Usage {
                message: format!(
                    "service `{name}` already has {}; eject does not overwrite it",
                    display_path(&path, &settings.cwd).display()
                ),
                hint: Some("delete or rename it first if you want the generated one".to_string()),
            });
        }
        DockerfileSource::Generated(rendered) => *rendered,
    };
    let dir = service
        .build_dir()
        .expect("dockerfile_source rejects image services");
    // .dockerignore is user-owned too: keep an existing one, write ours only where none exists.
    let ignore = dir.join(".dockerignore");
    write_new(&dir.join("Dockerfile"), &rendered.dockerfile)?;
    printer.status(&format!(
        "wrote {}",
        display_path(&dir.join("Dockerfile"), &settings.cwd).display()
    ));
    if ignore.exists() {
        printer.status(&format!(
            "kept {}",
            display_path(&ignore, &settings.cwd).display()
        ));
    } else {
        write_new(&ignore, &rendered.dockerignore)?;
        printer.status(&format!(
            "wrote {}",
            display_path(&ignore, &settings.cwd).display()
        ));
    }
    if !ca_pem.is_empty() {
        printer.warn("the ejected Dockerfile expects stack-ca.crt in the build context; stack adds it only to generated builds");
    }
    Ok(())
}

/// Creates `path`, failing rather than replacing a file that appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    scaffold::write_new(path, text).map_err(|source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}
