//! Where each service is reached, as the `STACK_<SERVICE>_URL`, `_HOST` and `_PORT`
//! variables `stack ci` gives its command and `stack env` prints: from the host through
//! the port the engine published, or from the project network by the service's name.

use crate::manifest::health::{Health, scheme, with_scheme};
use crate::plan::spec::Publish;

/// A service's name, what it publishes and the scheme of its URL, in the order addresses
/// are listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Published {
    pub(crate) service: String,
    pub(crate) publish: Option<Publish>,
    /// `None`: the check names no protocol, and the URL is the bare address.
    pub(crate) scheme: Option<&'static str>,
}

impl Published {
    pub(crate) fn new(
        service: &str,
        publish: Option<Publish>,
        health: Option<&Health>,
    ) -> Published {
        Published {
            service: service.to_string(),
            publish,
            scheme: scheme(health.map(|h| &h.check)),
        }
    }
}

/// Where one service answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) service: String,
    pub(crate) host: String,
    /// `None` for a service without a port: only its host is known.
    pub(crate) port: Option<u16>,
    pub(crate) scheme: Option<&'static str>,
}

/// From the host: each service whose port the engine published, at the host port it picked
/// (`ports`: service, container port, host port, of the running containers).
pub(crate) fn from_host(services: &[Published], ports: &[(String, u16, u16)]) -> Vec<Address> {
    services
        .iter()
        .filter_map(|published| {
            let publish = published.publish.as_ref()?;
            let port = ports
                .iter()
                .find(|(s, private, _)| {
                    *s == published.service && *private == publish.container_port
                })?
                .2;
            Some(Address {
                service: published.service.clone(),
                scheme: published.scheme,
                // `[::1]` is how a URL writes it; as a host name it is `::1`.
                host: publish.host().trim_matches(['[', ']']).to_string(),
                port: Some(port),
            })
        })
        .collect()
}

/// From a container on the project network: every service by its name, at its own port.
pub(crate) fn on_network(services: &[Published]) -> Vec<Address> {
    services
        .iter()
        .map(|published| Address {
            service: published.service.clone(),
            host: published.service.clone(),
            port: published.publish.as_ref().map(|p| p.container_port),
            scheme: published.scheme,
        })
        .collect()
}

/// `STACK_PROJECT`, then for each service `STACK_<SERVICE>_HOST`, and with a port `_PORT`
/// and `_URL` (`http://host:port` for an HTTP check, the protocol's scheme for a protocol
/// check, the bare `host:port` otherwise, as `ps` shows it), in the order given. A service's name is upper-cased
/// with every other character than a letter or digit made `_` (`web-ui` -> `WEB_UI`).
pub(crate) fn variables(project: &str, addresses: &[Address]) -> Vec<(String, String)> {
    let mut out = vec![("STACK_PROJECT".to_string(), project.to_string())];
    for address in addresses {
        let prefix = format!("STACK_{}", env_name(&address.service));
        out.push((format!("{prefix}_HOST"), address.host.clone()));
        if let Some(port) = address.port {
            out.push((format!("{prefix}_PORT"), port.to_string()));
            let host = if address.host.contains(':') {
                format!("[{}]", address.host)
            } else {
                address.host.clone()
            };
            out.push((
                format!("{prefix}_URL"),
                with_scheme(address.scheme, &format!("{host}:{port}")),
            ));
        }
    }
    out
}

fn env_name(service: &str) -> String {
    service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Published, from_host, on_network, variables};
    use crate::manifest::health::{Check, Health, Protocol};
    use crate::plan::spec::Publish;

    fn service(name: &str, port: Option<u16>, host_ip: &str) -> Published {
        let publish = port.map(|container_port| Publish {
            container_port,
            host_ip: host_ip.to_string(),
            host_port: None,
        });
        let check = match name {
            "db" => Some(Check::Protocol(Protocol::Postgres {
                user: "app".to_string(),
            })),
            "web-ui" => Some(Check::Http {
                path: "/".to_string(),
            }),
            "cache" => Some(Check::Tcp),
            _ => None,
        };
        let health = check.map(|check| Health {
            check,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        });
        Published::new(name, publish, health.as_ref())
    }

    #[test]
    fn the_host_sees_published_ports_and_the_network_sees_names() {
        let services = [
            service("web-ui", Some(3000), "127.0.0.1"),
            service("db", Some(5432), "::"),
            service("worker", None, "127.0.0.1"),
            service("stopped", Some(80), "127.0.0.1"),
            service("cache", Some(6379), "127.0.0.1"),
        ];
        let ports = [
            ("web-ui".to_string(), 3000, 49153),
            ("cache".to_string(), 6379, 49156),
            ("db".to_string(), 5432, 49154),
            ("db".to_string(), 9999, 49155),
        ];
        let render = |vars: Vec<(String, String)>| {
            vars.into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        insta::assert_snapshot!(render(variables("shop", &from_host(&services, &ports))), @r"
        STACK_PROJECT=shop
        STACK_WEB_UI_HOST=127.0.0.1
        STACK_WEB_UI_PORT=49153
        STACK_WEB_UI_URL=http://127.0.0.1:49153
        STACK_DB_HOST=::1
        STACK_DB_PORT=49154
        STACK_DB_URL=postgres://[::1]:49154
        STACK_CACHE_HOST=127.0.0.1
        STACK_CACHE_PORT=49156
        STACK_CACHE_URL=127.0.0.1:49156
        ");
        insta::assert_snapshot!(render(variables("shop", &on_network(&services))), @r"
        STACK_PROJECT=shop
        STACK_WEB_UI_HOST=web-ui
        STACK_WEB_UI_PORT=3000
        STACK_WEB_UI_URL=http://web-ui:3000
        STACK_DB_HOST=db
        STACK_DB_PORT=5432
        STACK_DB_URL=postgres://db:5432
        STACK_WORKER_HOST=worker
        STACK_STOPPED_HOST=stopped
        STACK_STOPPED_PORT=80
        STACK_STOPPED_URL=stopped:80
        STACK_CACHE_HOST=cache
        STACK_CACHE_PORT=6379
        STACK_CACHE_URL=cache:6379
        ");
    }
}
