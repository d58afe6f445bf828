//! Host ports that stay put, so the URL `up` printed stays valid.
//!
//! Left to the engine, an unpinned binding (`HostPort: ""`) gets a new port at every start:
//! a restart moved a service's URL. So stack asks the engine for an explicit port when it
//! creates a service's container: the manifest's `host_port`, else the port the service's
//! previous container had (read before it is removed), else a free one the OS hands out.
//! A port another program took meanwhile gives way to a free one, and an event says so.

use std::net::TcpListener;

use bollard::query_parameters::InspectContainerOptions;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::event::Event;
use crate::plan::spec::ContainerSpec;

/// How often a start refused for a taken port is tried again on another port.
const MOVES: usize = 3;

/// A container's published port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The port asked for at creation; `None`: the engine picks one at every start.
    pub(crate) pinned: Option<u16>,
    /// The port published now, while it runs.
    pub(crate) current: Option<u16>,
}

impl Binding {
    /// The port the container had: the one it publishes, else the one it asked for.
    pub(crate) fn port(&self) -> Option<u16> {
        self.current.or(self.pinned)
    }
}

impl Engine {
    /// The published port of container `id` (stack publishes at most one).
    pub(crate) async fn binding(&self, id: &str) -> Result<Binding, EngineError> {
        let inspect = self
            .docker()
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(request_failed(format!("inspect container {id}")))?;
        let first = |bindings: Option<
            std::collections::HashMap<String, Option<Vec<bollard::models::PortBinding>>>,
        >| {
            bindings?
                .into_values()
                .flatten()
                .flatten()
                .find_map(|b| b.host_port?.parse::<u16>().ok().filter(|p| *p != 0))
        };
        Ok(Binding {
            pinned: first(inspect.host_config.and_then(|h| h.port_bindings)),
            current: first(inspect.network_settings.and_then(|n| n.ports)),
        })
    }

    /// Creates the service's container on the host port it should keep: the manifest's,
    /// else `previous` (its last container's) while that is free, else a free one.
    pub(crate) async fn create_pinned(
        &self,
        spec: &ContainerSpec,
        previous: Option<u16>,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<String, EngineError> {
        let port = match &spec.publish {
            None => None,
            Some(publish) if publish.host_port.is_some() => publish.host_port,
            Some(publish) => match previous {
                Some(port) if is_free(&publish.host_ip, port) => Some(port),
                Some(taken) => {
                    let port = free_port(&publish.host_ip);
                    if let Some(to) = port {
                        emit(Event::PortMoved {
                            service: spec.service.clone(),
                            from: taken,
                            to,
                        });
                    }
                    port
                }
                None => free_port(&publish.host_ip),
            },
        };
        self.create_container(spec, port).await
    }

    /// Starts `spec`'s container `id`. When the engine refuses because its host port was
    /// taken meanwhile (and the manifest does not fix it), the container is replaced by one
    /// on a free port, which an event announces. Returns the id of the container that runs.
    pub(crate) async fn start_pinned(
        &self,
        id: &str,
        spec: &ContainerSpec,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<String, EngineError> {
        let movable = spec.publish.as_ref().filter(|p| p.host_port.is_none());
        let mut id = id.to_string();
        for attempt in 1..=MOVES {
            let error = match self.start_container(&id).await {
                Ok(()) => return Ok(id),
                Err(error) => error,
            };
            let moved = match (movable, &error) {
                (Some(publish), EngineError::Request { source, .. })
                    if attempt < MOVES && port_taken(source) =>
                {
                    let taken = self.binding(&id).await?.pinned;
                    taken.zip(free_port(&publish.host_ip))
                }
                _ => None,
            };
            let Some((from, to)) = moved else {
                return Err(error);
            };
            self.remove_container(&id).await?;
            emit(Event::PortMoved {
                service: spec.service.clone(),
                from,
                to,
            });
            id = self.create_container(spec, Some(to)).await?;
        }
        unreachable!("the last attempt returns")
    }

    /// A container created before stack pinned ports gets a new port at every start: it is
    /// replaced by a pinned one before it starts, so from then on it keeps its URL.
    pub(crate) async fn pin(
        &self,
        id: &str,
        spec: &ContainerSpec,
        emit: &(dyn Fn(Event) + Sync),
    ) -> Result<String, EngineError> {
        let unpinned = spec.publish.as_ref().is_some_and(|p| p.host_port.is_none());
        if !unpinned || self.binding(id).await?.pinned.is_some() {
            return Ok(id.to_string());
        }
        self.remove_container(id).await?;
        self.create_pinned(spec, None, emit).await
    }
}

/// Whether the engine refused a start because the host port is taken: by its own
/// allocator (another container) or by the OS (another program).
fn port_taken(error: &bollard::errors::Error) -> bool {
    let bollard::errors::Error::DockerResponseServerError { message, .. } = error else {
        return false;
    };
    message.contains("port is already allocated") || message.contains("address already in use")
}

/// Whether `port` on `host_ip` can be listened on now.
fn is_free(host_ip: &str, port: u16) -> bool {
    TcpListener::bind((bind_ip(host_ip), port)).is_ok()
}

/// A port on `host_ip` that is free now, as the OS hands them out (spread over the
/// ephemeral range, so two stacks rarely pick the same one; if they do, the second start
/// is refused and moves).
pub(crate) fn free_port(host_ip: &str) -> Option<u16> {
    let listener = TcpListener::bind((bind_ip(host_ip), 0)).ok()?;
    Some(listener.local_addr().ok()?.port())
}

/// The address to try a port on: the engine publishes `""` on every address.
fn bind_ip(host_ip: &str) -> &str {
    if host_ip.is_empty() {
        "0.0.0.0"
    } else {
        host_ip
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::{free_port, is_free, port_taken};

    #[test]
    fn a_free_port_is_free_until_someone_listens_on_it() {
        let port = free_port("127.0.0.1").expect("the OS hands out a port");
        assert!(is_free("127.0.0.1", port));
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("still free");
        assert!(!is_free("127.0.0.1", port));
        drop(listener);
    }

    #[test]
    fn the_engines_two_ways_of_saying_a_port_is_taken_are_recognised() {
        let refusal = |message: &str| bollard::errors::Error::DockerResponseServerError {
            status_code: 500,
            message: message.to_string(),
        };
        assert!(port_taken(&refusal(
            "driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:41234 failed: port is already allocated"
        )));
        assert!(port_taken(&refusal(
            "driver failed programming external connectivity on endpoint x: Error starting userland proxy: listen tcp4 127.0.0.1:41234: bind: address already in use"
        )));
        assert!(!port_taken(&refusal("no such image")));
    }
}
