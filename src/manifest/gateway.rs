//! The optional nginx gateway that routes path prefixes to services: a service of its own,
//! running an nginx image with a configuration stack writes from the routes, and the
//! validation of the `gateway:` section.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use minijinja::context;
use regex::Regex;
use serde::Serialize;

use crate::build::template;
use crate::manifest::check::service::Checked;
use crate::manifest::checker::Checker;
use crate::manifest::health::{Check, Health};
use crate::manifest::located::{Located, Pos};
use crate::manifest::raw::RawGateway;
use crate::manifest::service::{Service, Source};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::validate::profile_list;

/// The gateway's service name; no user service may take it.
pub(crate) const SERVICE: &str = "gateway";
/// The image when the manifest names none.
pub(crate) const DEFAULT_IMAGE: &str = "nginx:stable";
/// Where the official nginx image reads server blocks from.
pub(crate) const CONF_PATH: &str = "/etc/nginx/conf.d/default.conf";
/// A path nginx answers itself, for stack's health probe.
pub(crate) const HEALTH_PATH: &str = "/_stack/health";
/// The port nginx listens on inside its container.
const LISTEN: u16 = 80;
/// The template of nginx's server block, in `templates/`.
const TEMPLATE: &str = "gateway.conf.j2";

/// A route prefix: it is written into nginx's configuration, so plain path characters only.
static ROUTE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^/[A-Za-z0-9/._~-]*$").expect("a valid pattern"));

/// One route: requests whose path starts with `prefix` go to `service`, without the prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Route {
    pub(crate) prefix: String,
    pub(crate) service: String,
    /// The service's container port.
    pub(crate) port: u16,
}

impl Route {
    /// The prefix a request loses on its way: `/api/` and `/api` both strip `/api`; `/`
    /// strips nothing (empty).
    fn stripped(&self) -> &str {
        self.prefix.trim_end_matches('/')
    }
}

/// The generated gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Gateway {
    /// Port the gateway listens on, published on the host.
    pub(crate) port: u16,
    /// The nginx image it runs.
    pub(crate) image: String,
    /// Routes, longest prefix first, so nginx and readers agree on precedence.
    pub(crate) routes: Vec<Route>,
    /// 1-based line of `gateway:` in the manifest.
    #[serde(skip)]
    pub(crate) line: usize,
}

impl Gateway {
    /// nginx's server block for the routes. `manifest_file` is named in its header.
    pub(crate) fn nginx_conf(&self, manifest_file: &str) -> String {
        self.render_conf(manifest_file, true)
    }

    /// The server block for a cluster whose services have stable addresses (Kubernetes
    /// Services): names are resolved once, at start, through the pod's own resolver, which
    /// knows the cluster's search domains; Docker's resolver address is not there.
    pub(crate) fn nginx_conf_static(&self, manifest_file: &str) -> String {
        self.render_conf(manifest_file, false)
    }

    fn render_conf(&self, manifest_file: &str, docker_dns: bool) -> String {
        let routes: Vec<_> = self
            .routes
            .iter()
            .map(|route| {
                context! {
                    prefix => &route.prefix,
                    service => &route.service,
                    port => route.port,
                    stripped => route.stripped(),
                    stripped_pattern => regex::escape(route.stripped()),
                }
            })
            .collect();
        template::render(
            TEMPLATE,
            context! {
                manifest_file => manifest_file,
                listen => LISTEN,
                docker_dns => docker_dns,
                health_path => HEALTH_PATH,
                routes => routes,
            },
        )
        .expect("the gateway template renders every route: covered by the unit tests")
    }

    /// The gateway as a service: started after every routed service is healthy, healthy
    /// when nginx answers, published on `port`.
    pub(crate) fn service(&self, manifest_file: &str) -> Service {
        let mut depends_on: Vec<String> = self.routes.iter().map(|r| r.service.clone()).collect();
        depends_on.sort();
        depends_on.dedup();
        Service {
            port: Some(LISTEN),
            host_port: Some(self.port),
            depends_on,
            health: Some(Health {
                check: Check::Http {
                    path: HEALTH_PATH.to_string(),
                },
                interval: Health::DEFAULT_INTERVAL,
                timeout: Health::DEFAULT_TIMEOUT,
            }),
            files: BTreeMap::from([(CONF_PATH.to_string(), self.nginx_conf(manifest_file))]),
            line: self.line,
            ..Service::new(SERVICE, Source::Image(self.image.clone()))
        }
    }
}

/// The `gateway:` section, its routes checked against the services (`checked`, and
/// `all_names` for those whose own fields are invalid).
pub(crate) fn check_gateway(
    checker: &mut Checker<'_>,
    raw: &RawGateway,
    pos: Pos,
    checked: &[(Located<String>, Checked)],
    all_names: &[String],
) -> Option<Gateway> {
    let port = match &raw.port {
        Some(value) => checker.port(value, "gateway.port"),
        None => {
            checker.error(
                pos,
                "`gateway` needs `port`",
                Some("the host port the gateway listens on, e.g. `port: 8080`".to_string()),
            );
            None
        }
    };
    if let (Some(port), Some(value)) = (port, &raw.port)
        && let Some((name, _)) = checked
            .iter()
            .find(|(_, c)| c.host_port.as_ref().is_some_and(|p| p.value == port))
    {
        checker.error(
            value.pos,
            format!(
                "gateway port {port} is also the host port of service `{}`",
                name.value
            ),
            Some("choose another port for one of them".to_string()),
        );
    }
    let Some(routes_value) = &raw.routes else {
        checker.error(
            pos,
            "`gateway` needs `routes`",
            Some("e.g. `routes: { /api/: api, /: web }`".to_string()),
        );
        return None;
    };
    let image = match &raw.image {
        Some(value) => checker.image(value, "gateway.image"),
        None => Some(DEFAULT_IMAGE.to_string()),
    };
    let mut routes = Vec::new();
    let mut ok = true;
    for (prefix, target) in checker.text_map(routes_value, "gateway.routes")? {
        if !prefix.value.starts_with('/') {
            ok = false;
            checker.error(
                prefix.pos,
                format!("route `{}` must start with `/`", prefix.value),
                Some("routes are URL path prefixes like `/api/`".to_string()),
            );
            continue;
        }
        // The prefix is written into nginx's configuration: plain path characters only.
        if !ROUTE_PREFIX.is_match(&prefix.value) {
            ok = false;
            checker.error(
                prefix.pos,
                format!(
                    "route `{}` has characters a gateway route cannot use",
                    prefix.value
                ),
                Some("use letters, digits and `/ . _ ~ -`, like `/api/v1/`".to_string()),
            );
            continue;
        }
        let Some(target) = target else {
            ok = false;
            checker.error(
                prefix.pos,
                format!("route `{}` names no service", prefix.value),
                Some("write `/api/: api`".to_string()),
            );
            continue;
        };
        match checked.iter().find(|(name, _)| name.value == target.value) {
            Some((_, checked)) if !checked.active => {
                ok = false;
                checker.error(
                    target.pos,
                    format!(
                        "route `{}` goes to `{}`, which runs only with profile {}, not active",
                        prefix.value,
                        target.value,
                        profile_list(&checked.profiles)
                    ),
                    Some(format!(
                        "activate it with `--profile {}` (or STACK_PROFILES), or remove the route",
                        checked.profiles[0]
                    )),
                );
            }
            Some((_, checked)) if checked.service.as_ref().is_some_and(|s| s.port.is_none()) => {
                ok = false;
                checker.error(
                    target.pos,
                    format!(
                        "route `{}` goes to `{}`, which has no `port`",
                        prefix.value, target.value
                    ),
                    Some(format!("set `port:` on service `{}`", target.value)),
                );
            }
            Some((_, checked)) => {
                if let Some(port) = checked.service.as_ref().and_then(|s| s.port) {
                    routes.push(Route {
                        prefix: prefix.value,
                        service: target.value,
                        port,
                    });
                }
            }
            // The service itself is invalid, which is reported already.
            None if all_names.contains(&target.value) => ok = false,
            None => {
                ok = false;
                checker.error(
                    target.pos,
                    format!(
                        "route `{}` goes to `{}`, which is not a service",
                        prefix.value, target.value
                    ),
                    Some(did_you_mean(
                        &target.value,
                        all_names.iter().map(String::as_str),
                        "services are",
                    )),
                );
            }
        }
    }
    routes.sort_by(|a, b| {
        b.prefix
            .len()
            .cmp(&a.prefix.len())
            .then(a.prefix.cmp(&b.prefix))
    });
    ok.then_some(Gateway {
        port: port?,
        image: image?,
        routes,
        line: pos.line,
    })
}

#[cfg(test)]
mod tests {
    use super::{Gateway, Route};

    fn gateway() -> Gateway {
        let route = |prefix: &str, service: &str, port| Route {
            prefix: prefix.to_string(),
            service: service.to_string(),
            port,
        };
        Gateway {
            port: 8080,
            image: "nginx:1.22".to_string(),
            routes: vec![
                route("/predict/", "predict", 8001),
                route("/v1.2/api", "api", 8000),
                route("/", "web", 3000),
            ],
            line: 30,
        }
    }

    #[test]
    fn every_route_gets_its_own_location_and_prefixes_are_stripped() {
        insta::assert_snapshot!(gateway().nginx_conf("stack.yaml"));
    }

    #[test]
    fn on_a_cluster_routes_go_to_service_names_resolved_at_start() {
        insta::assert_snapshot!(gateway().nginx_conf_static("stack.yaml"));
    }

    #[test]
    fn the_gateway_waits_for_each_routed_service_once() {
        let mut gateway = gateway();
        gateway.routes.push(Route {
            prefix: "/web/".to_string(),
            service: "web".to_string(),
            port: 3000,
        });
        let service = gateway.service("stack.yaml");
        assert_eq!(service.depends_on, ["api", "predict", "web"]);
        assert_eq!(service.host_port, Some(8080));
        assert_eq!(service.line, 30);
        assert!(service.files[super::CONF_PATH].contains("location /web/ {"));
    }
}
