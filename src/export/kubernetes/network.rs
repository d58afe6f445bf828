//! How services reach each other on a cluster: a Service per long-running service, named
//! like it, so `http://api:8000` in the environment means the same as under `stack up`.

use k8s_openapi::api::core::v1::{Service as KubeService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::export::kubernetes::meta;
use crate::export::report::Report;

/// The Service of `service`: on `port` when one is known, else headless, so its name still
/// resolves (to ready pods only) and any port works, as on stack's Docker network.
pub(crate) fn service(
    project: &str,
    service: &str,
    port: Option<u16>,
    report: &mut Report,
) -> KubeService {
    let spec = match port {
        Some(port) => ServiceSpec {
            selector: Some(meta::selector_labels(project, service)),
            ports: Some(vec![ServicePort {
                port: i32::from(port),
                target_port: Some(IntOrString::Int(i32::from(port))),
                protocol: Some("TCP".to_string()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        },
        None => {
            report.approximated(
                service,
                "no port is known: a headless Service makes its name resolve to its ready pod; dependents wait until it does",
            );
            ServiceSpec {
                cluster_ip: Some("None".to_string()),
                selector: Some(meta::selector_labels(project, service)),
                ..ServiceSpec::default()
            }
        }
    };
    KubeService {
        metadata: meta::object(service, project, service),
        spec: Some(spec),
        ..KubeService::default()
    }
}
