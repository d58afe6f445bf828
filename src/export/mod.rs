//! Exporters: the validated manifest rendered for engines beyond one machine. Pure
//! renderers, beside the Dockerfile renderer: they read the manifest and what the build
//! stage knows of each image, and never talk to a cluster.

pub(crate) mod artifact;
pub(crate) mod compose;
pub(crate) mod kubernetes;
pub(crate) mod report;
pub(crate) mod yaml;
