//! Rendering a service's Dockerfile and .dockerignore from the templates embedded in the binary.

use minijinja::context;
use minijinja::value::{Serde, Value};

use crate::build::template;
use crate::detect::detection::Detection;
use crate::detect::language::Language;
use crate::manifest::service::Service;

/// File name of the extra CA bundle stack places at the root of a generated build context.
pub(crate) const CA_FILE: &str = "stack-ca.crt";

/// The template of the `.dockerignore` every generated build gets.
const DOCKERIGNORE: &str = "dockerignore.j2";

/// Options that come from outside the service itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RenderOptions {
    /// Install `stack-ca.crt` (placed in the build context by stack) as a trusted CA.
    pub(crate) ca_certificate: bool,
}

/// The generated files for one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) dockerfile: String,
    pub(crate) dockerignore: String,
}

/// `templates/<language>.Dockerfile.j2`: a language's template is named after it.
fn template_name(language: Language) -> String {
    format!("{}.Dockerfile.j2", language.name())
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
