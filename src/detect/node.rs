//! Node services. (stub: replaced by the detection work)

use std::path::Path;

use serde::Serialize;

use crate::detect::detection::Detection;
use crate::detect::error::DetectError;
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &[];

/// Facts about a Node service for its template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Node {}

pub fn matches(dir: &Path) -> bool {
    let _ = dir;
    false
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let _ = dir;
    Err(DetectError::Invalid {
        service: service.name.clone(),
        message: "node detection is not built yet".to_string(),
        hint: None,
    })
}
