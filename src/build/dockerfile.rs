//! Rendering a service's Dockerfile and .dockerignore from the templates embedded in the binary.

use minijinja::context;
use minijinja::value::{Serde, Value};

use crate::build::template;
use crate::detect::detection::Detection;
use crate::detect::language::Language;
use crate::manifest::service::Service;

/// File name of the extra CA bundle stack places at the root of a generated build context.
pub(crate) const CA_FILE: &str = "stack-ca.crt";

/// Templates, embedded so the binary is all a user installs.
const TEMPLATES: &[(&str, &str)] = &[
    ("partials.j2", include_str!("../../templates/partials.j2")),
    (
        "dockerignore.j2",
        include_str!("../../templates/dockerignore.j2"),
    ),
    (
        "python.Dockerfile.j2",
        include_str!("../../templates/python.Dockerfile.j2"),
    ),
    (
        "node.Dockerfile.j2",
        include_str!("../../templates/node.Dockerfile.j2"),
    ),
    (
        "go.Dockerfile.j2",
        include_str!("../../templates/go.Dockerfile.j2"),
    ),
    (
        "rust.Dockerfile.j2",
        include_str!("../../templates/rust.Dockerfile.j2"),
    ),
    (
        "java.Dockerfile.j2",
        include_str!("../../templates/java.Dockerfile.j2"),
    ),
];

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

fn template_name(language: Language) -> &'static str {
    match language {
        Language::Python => "python.Dockerfile.j2",
        Language::Node => "node.Dockerfile.j2",
        Language::Go => "go.Dockerfile.j2",
        Language::Rust => "rust.Dockerfile.j2",
        Language::Java => "java.Dockerfile.j2",
    }
}

/// Renders the Dockerfile and default .dockerignore for a service stack builds.
pub(crate) fn render(
    service: &Service,
    detection: &Detection,
    options: &RenderOptions,
) -> Rendered {
    let env = template::environment(TEMPLATES);
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
    let dockerfile = env
        .get_template(template_name(detection.language))
        .and_then(|t| t.render(&ctx))
        .expect("every template renders every detection: covered by the snapshot tests");
    let dockerignore = env
        .get_template("dockerignore.j2")
        .and_then(|t| t.render(&ctx))
        .expect("the .dockerignore template renders for every language");
    Rendered {
        dockerfile,
        dockerignore,
    }
}
