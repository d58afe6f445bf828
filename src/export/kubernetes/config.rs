//! A service's environment as a ConfigMap (plain `env`) and a Secret (`env_file` values),
//! and the project's named volumes as PersistentVolumeClaims, one per volume, shared by name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMap, PersistentVolumeClaim, PersistentVolumeClaimSpec, Secret, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::export::kubernetes::meta::{self, prefixed};
use crate::export::report::Report;
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::manifest::validate::dns_label;
use crate::manifest::volume::VolumeSource;

/// The size a claim asks for: stack.yaml has no size, so an overlay sets the real one.
pub(crate) const CLAIM_SIZE: &str = "1Gi";

/// The ConfigMap holding a service's plain environment.
pub(crate) fn config_map_name(service: &str) -> String {
    prefixed(service, "env")
}

/// The Secret holding the values a service read from its `env_file`s.
pub(crate) fn secret_name(service: &str) -> String {
    prefixed(service, "env-file")
}

/// The ConfigMap and Secret of a service's environment; `None` for an empty part.
pub(crate) fn environment(project: &str, service: &Service) -> (Option<ConfigMap>, Option<Secret>) {
    let (secret, plain): (BTreeMap<_, _>, BTreeMap<_, _>) = service
        .env
        .clone()
        .into_iter()
        .partition(|(key, _)| service.env_from_files.contains(key));
    let config_map = (!plain.is_empty()).then(|| ConfigMap {
        metadata: meta::object(&config_map_name(&service.name), project, &service.name),
        data: Some(plain),
        ..ConfigMap::default()
    });
    let secret = (!secret.is_empty()).then(|| Secret {
        metadata: meta::object(&secret_name(&service.name), project, &service.name),
        type_: Some("Opaque".to_string()),
        string_data: Some(secret),
        ..Secret::default()
    });
    (config_map, secret)
}

/// The claim name of a named volume: its name as a DNS label (`pg_data` is `pg-data`).
pub(crate) fn claim_name(volume: &str) -> String {
    dns_label(volume).unwrap_or_else(|| "data".to_string())
}

/// One claim per named volume, however many services mount it.
pub(crate) fn claims(manifest: &Manifest, report: &mut Report) -> Vec<PersistentVolumeClaim> {
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for service in manifest.services.values() {
        for volume in &service.volumes {
            if let VolumeSource::Named(name) = &volume.source {
                let list = users.entry(name.as_str()).or_default();
                if !list.contains(&service.name.as_str()) {
                    list.push(&service.name);
                }
            }
        }
    }
    users
        .into_iter()
        .map(|(volume, services)| {
            let claim = claim_name(volume);
            let subject = format!("volume {volume}");
            report.translated(
                &subject,
                format!(
                    "PersistentVolumeClaim {claim} ({CLAIM_SIZE}, ReadWriteOnce), mounted by {}",
                    services.join(", ")
                ),
            );
            if claim != volume {
                report.approximated(
                    &subject,
                    format!("renamed {claim}: Kubernetes names are DNS labels"),
                );
            }
            if services.len() > 1 {
                report.approximated(
                    &subject,
                    "shared by several services: ReadWriteOnce keeps their pods on one node; use a ReadWriteMany storage class to spread them",
                );
            }
            let mut labels = meta::labels(&manifest.name, &claim);
            labels.remove(meta::NAME);
            PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some(claim),
                    labels: Some(labels),
                    ..ObjectMeta::default()
                },
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteOnce".to_string()]),
                    resources: Some(VolumeResourceRequirements {
                        requests: Some(BTreeMap::from([(
                            "storage".to_string(),
                            Quantity(CLAIM_SIZE.to_string()),
                        )])),
                        ..VolumeResourceRequirements::default()
                    }),
                    ..PersistentVolumeClaimSpec::default()
                }),
                ..PersistentVolumeClaim::default()
            }
        })
        .collect()
}
