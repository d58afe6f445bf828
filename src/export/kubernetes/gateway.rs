//! The gateway on a cluster, in two forms: Ingresses with the same routes and prefix
//! stripping (the default), or stack's nginx as a Deployment of its own, for clusters
//! without an ingress controller.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, HTTPGetAction,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SeccompProfile, SecurityContext,
    Service as KubeService, Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::export::kubernetes::meta::{self, prefixed};
use crate::export::kubernetes::network;
use crate::export::report::Report;
use crate::manifest::gateway::{CONF_PATH, Gateway, HEALTH_PATH, Route, SERVICE};

/// ingress-nginx's annotations: regular-expression paths, the rewrite that strips the
/// prefix (the second group of the path), and the header that tells the app the prefix.
const USE_REGEX: &str = "nginx.ingress.kubernetes.io/use-regex";
const REWRITE_TARGET: &str = "nginx.ingress.kubernetes.io/rewrite-target";
const FORWARDED_PREFIX: &str = "nginx.ingress.kubernetes.io/x-forwarded-prefix";
/// nginx's port inside its pod.
const LISTEN: u16 = 80;
/// The ConfigMap holding nginx's server block.
const CONF_MAP: &str = "gateway-conf";

/// One Ingress per stripping route (each sets its own `X-Forwarded-Prefix`) and one for
/// the route that strips nothing (`/`), all on any host.
pub(crate) fn ingresses(project: &str, gateway: &Gateway, report: &mut Report) -> Vec<Ingress> {
    let routes: Vec<String> = gateway
        .routes
        .iter()
        .map(|r| format!("{} -> {}", r.prefix, r.service))
        .collect();
    report.translated(
        SERVICE,
        format!("Ingress routes {} (gateway/ingress)", routes.join(", ")),
    );
    report.approximated(
        SERVICE,
        "prefix stripping and X-Forwarded-Prefix use ingress-nginx annotations; another controller needs its own (Traefik: a StripPrefix middleware)",
    );
    report.dropped(
        SERVICE,
        format!(
            "port {}: the ingress controller decides where the cluster listens",
            gateway.port
        ),
    );
    gateway
        .routes
        .iter()
        .map(|route| ingress(project, route))
        .collect()
}

fn ingress(project: &str, route: &Route) -> Ingress {
    let stripped = route.prefix.trim_end_matches('/');
    let (name, path, path_type, annotations) = if stripped.is_empty() {
        (SERVICE.to_string(), "/".to_string(), "Prefix", None)
    } else {
        (
            prefixed(SERVICE, stripped),
            // `/api/x` -> `/x`; `/api` -> `/`. Regular expressions are ingress-nginx's
            // ImplementationSpecific paths.
            format!("{stripped}(/|$)(.*)"),
            "ImplementationSpecific",
            Some(BTreeMap::from([
                (USE_REGEX.to_string(), "true".to_string()),
                (REWRITE_TARGET.to_string(), "/$2".to_string()),
                (FORWARDED_PREFIX.to_string(), stripped.to_string()),
            ])),
        )
    };
    Ingress {
        metadata: ObjectMeta {
            annotations,
            ..meta::object(&name, project, SERVICE)
        },
        spec: Some(IngressSpec {
            rules: Some(vec![IngressRule {
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some(path),
                        path_type: path_type.to_string(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: route.service.clone(),
                                port: Some(ServiceBackendPort {
                                    number: Some(i32::from(route.port)),
                                    ..ServiceBackendPort::default()
                                }),
                            }),
                            ..IngressBackend::default()
                        },
                    }],
                }),
                ..IngressRule::default()
            }]),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    }
}

/// stack's nginx gateway as a Deployment, its server block as a ConfigMap, and a Service.
pub(crate) fn nginx(
    project: &str,
    gateway: &Gateway,
    manifest_file: &str,
    report: &mut Report,
) -> (ConfigMap, Deployment, KubeService) {
    let conf_file = CONF_PATH
        .rsplit_once('/')
        .map_or(CONF_PATH, |(_, file)| file);
    let conf_dir = CONF_PATH.rsplit_once('/').map_or("/", |(dir, _)| dir);
    let config = ConfigMap {
        metadata: meta::object(CONF_MAP, project, SERVICE),
        data: Some(BTreeMap::from([(
            conf_file.to_string(),
            gateway.nginx_conf_static(manifest_file),
        )])),
        ..ConfigMap::default()
    };
    let probe = |failure_threshold| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(HEALTH_PATH.to_string()),
            port: IntOrString::Int(i32::from(LISTEN)),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(1),
        timeout_seconds: Some(2),
        failure_threshold: Some(failure_threshold),
        ..Probe::default()
    };
    let pod = PodSpec {
        automount_service_account_token: Some(false),
        security_context: Some(PodSecurityContext {
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_string(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![Container {
            name: SERVICE.to_string(),
            image: Some(gateway.image.clone()),
            image_pull_policy: Some("IfNotPresent".to_string()),
            ports: Some(vec![ContainerPort {
                container_port: i32::from(LISTEN),
                ..ContainerPort::default()
            }]),
            readiness_probe: Some(probe(3)),
            startup_probe: Some(probe(120)),
            volume_mounts: Some(vec![VolumeMount {
                name: CONF_MAP.to_string(),
                mount_path: conf_dir.to_string(),
                read_only: Some(true),
                ..VolumeMount::default()
            }]),
            // nginx's master process starts as root to bind port 80, then drops to its user.
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_string()]),
                    add: Some(
                        ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"]
                            .map(String::from)
                            .to_vec(),
                    ),
                }),
                ..SecurityContext::default()
            }),
            ..Container::default()
        }],
        volumes: Some(vec![Volume {
            name: CONF_MAP.to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: CONF_MAP.to_string(),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    let deployment = Deployment {
        metadata: meta::object(SERVICE, project, SERVICE),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: meta::selector(project, SERVICE),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(meta::labels(project, SERVICE)),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    };
    report.translated(
        SERVICE,
        format!(
            "or nginx ({}) as a Deployment with the same routes, for clusters without an ingress controller (gateway/nginx)",
            gateway.image
        ),
    );
    let service = network::service(project, SERVICE, Some(LISTEN), report);
    (config, deployment, service)
}
