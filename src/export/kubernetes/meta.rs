//! Names and labels every exported object shares.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::manifest::validate::dns_label;

/// The label selectors use: the service's name.
pub(crate) const NAME: &str = "app.kubernetes.io/name";
/// The label that says which stack project an object belongs to.
pub(crate) const PART_OF: &str = "app.kubernetes.io/part-of";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Labels of everything made for `service` of `project`.
pub(crate) fn labels(project: &str, service: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_string(), service.to_string()),
        (PART_OF.to_string(), project.to_string()),
        (MANAGED_BY.to_string(), "stack".to_string()),
    ])
}

/// What a workload's selector matches: name and project, never `managed-by`, which a
/// tool may change without meaning another workload.
pub(crate) fn selector_labels(project: &str, service: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_string(), service.to_string()),
        (PART_OF.to_string(), project.to_string()),
    ])
}

pub(crate) fn selector(project: &str, service: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(selector_labels(project, service)),
        ..LabelSelector::default()
    }
}

/// Metadata of an object named `name`, made for `service`.
pub(crate) fn object(name: &str, project: &str, service: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(labels(project, service)),
        ..ObjectMeta::default()
    }
}

/// `prefix-<text>` as a DNS label of at most 63 characters (a container or object name).
pub(crate) fn prefixed(prefix: &str, text: &str) -> String {
    dns_label(&format!("{prefix}-{text}")).unwrap_or_else(|| prefix.to_string())
}
