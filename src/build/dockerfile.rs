//! Rendering a service's Dockerfile and .dockerignore from the templates embedded in the binary.

use std::path::PathBuf;

use minijinja::context;
use minijinja::value::{Serde, Value};

use crate::build::ca::CA_FILE;
use crate::build::context::DockerfileSource;
use crate::build::template;
use crate::detect::detection::{Detection, detect};
use crate::detect::language::Language;
use crate::error::Error;
use crate::manifest::service::{Service, Source};

/// The template of the `.dockerignore` every generated build gets.
const DOCKERIGNORE: &str = "dockerignore.j2";

/// Options that come from outside the service itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RenderOptions {
    /// Install `stack-ca.crt` (placed in the build context by stack) as a trusted CA.
    pub(crate) ca_certificate: bool,
}

/// The generated files for one service, and the detection they were made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) dockerfile: String,
    pub(crate) dockerignore: String,
    pub(crate) detection: Detection,
}

/// `templates/<language>.Dockerfile.j2`: a language's template is named after it.
fn template_name(language: Language) -> String {
    format!("{}.Dockerfile.j2", language.name())
}

/// What `service` is built from: its own Dockerfile when its directory has one, else the
/// files generated from its detection, which trust the extra CA bundle `ca_pem` when it is
/// not empty. `up`, `dockerfile` and `eject` all decide here, so they cannot disagree.
pub(crate) fn dockerfile_source(
    service: &Service,
    ca_pem: &[u8],
) -> Result<DockerfileSource, Error> {
    if let Some(path) = own_dockerfile(service)? {
        return Ok(DockerfileSource::Own(path));
    }
    let detection = detect(service)?;
    let options = RenderOptions {
        ca_certificate: !ca_pem.is_empty(),
    };
    Ok(DockerfileSource::Generated(Box::new(render(
        service, &detection, &options,
    ))))
}

/// The service's own Dockerfile, when it has one; an error for image services.
fn own_dockerfile(service: &Service) -> Result<Option<PathBuf>, Error> {
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

/// Renders the Dockerfile and default .dockerignore for a service stack builds.
pub(crate) fn render(
    service: &Service,
    detection: &Detection,
    options: &RenderOptions,
) -> Rendered {
    let port = service.port.or(detection.default_port);
    let ctx = context! {
        service => context! {
            name => &service.name,
            port => port,
            build_packages => &service.build.build_packages,
            system_packages => &service.build.system_packages,
            args => Value::from(Serde(&service.build.args)),
            debian => &service.build.debian,
        },
        detection => Value::from(Serde(detection)),
        d => Value::from(Serde(&detection.details)),
        ca_certificate => options.ca_certificate,
        ca_file => CA_FILE,
    };
    let dockerfile = template::render(&template_name(detection.language), &ctx)
        .expect("every template renders every detection: covered by the snapshot tests");
    let dockerignore = template::render(DOCKERIGNORE, &ctx)
        .expect("the .dockerignore template renders for every language");
    Rendered {
        dockerfile,
        dockerignore,
        detection: detection.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::template_name;
    use crate::build::template::TEMPLATES;
    use crate::detect::language::Language;

    #[test]
    fn every_language_has_a_template() {
        for language in Language::ALL {
            let name = template_name(language);
            assert!(TEMPLATES.get_file(&name).is_some(), "templates/{name}");
        }
    }
}
