//! `stack export kubernetes`: typed Kubernetes objects (k8s-openapi, one pinned version)
//! in a kustomize base, an overlay per environment and the gateway in two forms.

pub(crate) mod check;
pub(crate) mod config;
pub(crate) mod gateway;
pub(crate) mod kustomize;
pub(crate) mod meta;
pub(crate) mod network;
pub(crate) mod order;
pub(crate) mod workload;

#[cfg(test)]
mod tests;

/// The Kubernetes version the objects are typed for and validated against.
pub(crate) const KUBERNETES_VERSION: &str = "1.33";
