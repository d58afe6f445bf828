//! Rendering a service's Dockerfile and .dockerignore from the embedded templates. (stub)

use crate::detect::detection::Detection;
use crate::manifest::service::Service;

/// Options that come from outside the service itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Install `stack-ca.crt` (placed in the build context by stack) as a trusted CA.
    pub ca_certificate: bool,
}

/// The generated files for one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub dockerfile: String,
    pub dockerignore: String,
}

pub fn render(service: &Service, detection: &Detection, options: &RenderOptions) -> Rendered {
    let _ = (service, detection, options);
    Rendered {
        dockerfile: String::new(),
        dockerignore: String::new(),
    }
}
