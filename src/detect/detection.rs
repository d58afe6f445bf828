//! What detection found about a service directory. (stub: replaced by the detection work)

use crate::detect::error::DetectError;
use crate::language::{Framework, Language};
use crate::manifest::service::Service;

/// Everything the Dockerfile templates need to know about a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub language: Language,
    pub framework: Option<Framework>,
    pub version: String,
}

/// Detects how to build `service`, which must have a build directory.
pub fn detect(service: &Service) -> Result<Detection, DetectError> {
    Err(DetectError::Invalid {
        service: service.name.clone(),
        message: "detection is not built yet".to_string(),
        hint: None,
    })
}
