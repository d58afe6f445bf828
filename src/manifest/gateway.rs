//! The optional nginx gateway that routes path prefixes to services: a service of its own,
//! running an nginx image with a configuration stack writes from the routes.

use std::collections::BTreeMap;

use minijinja::context;
use serde::Serialize;

use crate::build::template;
use crate::manifest::health::{Check, Health};
use crate::manifest::service::{Service, Source};

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
