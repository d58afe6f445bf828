//! How stack decides that a service is ready.

use std::time::Duration;

use serde::{Serialize, Serializer};

/// The probe stack runs against a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Check {
    /// HTTP GET through the published port; any 2xx or 3xx is healthy.
    Http { path: String },
    /// HTTP GET through the published port; any response at all proves the app answers.
    /// Stack's default for a framework that speaks HTTP, where no route can be guessed (a
    /// TCP connect would pass on a server's socket while its worker is crashing).
    HttpAny { path: String },
    /// A TCP connect through the published port.
    Tcp,
    /// A command run inside the container by exec; exit 0 is healthy.
    Cmd(Vec<String>),
    /// A server's own protocol, spoken from stack through the published port.
    #[serde(untagged)]
    Protocol(Protocol),
}

/// The protocols stack checks a server in: the first exchange of each, as the protocol's
/// own readiness tool judges it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    /// The standard gRPC health check (`grpc.health.v1.Health/Check`); `SERVING` is
    /// healthy. An empty `service` asks about the server as a whole.
    Grpc { service: String },
    /// A PostgreSQL startup message, as `pg_isready` sends: an authentication request, or
    /// any error but "starting up" (57P03), means the server accepts connections. `user`
    /// is the role named in the message.
    Postgres { user: String },
    /// `PING`: `+PONG`, or `-NOAUTH` (a password is set).
    Redis,
    /// The AMQP 0-9-1 protocol header; the broker answers with `Connection.Start`.
    Amqp,
    /// The MySQL (or MariaDB) server's handshake packet, which it sends on connect.
    Mysql,
    /// A Kafka `ApiVersions` round trip.
    Kafka,
}

impl Protocol {
    /// Its key in `health:`, which is also the scheme of the URLs it is shown with
    /// (`postgres://127.0.0.1:49153`).
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Protocol::Grpc { .. } => "grpc",
            Protocol::Postgres { .. } => "postgres",
            Protocol::Redis => "redis",
            Protocol::Amqp => "amqp",
            Protocol::Mysql => "mysql",
            Protocol::Kafka => "kafka",
        }
    }
}

impl Check {
    /// The key that writes this kind of check in `health:` (`HttpAny` is written `http`).
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Check::Http { .. } | Check::HttpAny { .. } => "http",
            Check::Tcp => "tcp",
            Check::Cmd(_) => "cmd",
            Check::Protocol(protocol) => protocol.key(),
        }
    }

    /// Whether the probe goes through the published port (every kind but `cmd`).
    pub(crate) fn needs_port(&self) -> bool {
        match self {
            Check::Http { .. } | Check::HttpAny { .. } | Check::Tcp | Check::Protocol(_) => true,
            Check::Cmd(_) => false,
        }
    }
}

/// The URL scheme a service's check says it speaks: `http` for an HTTP check, the
/// protocol's key (`postgres`, `amqp`…) for a protocol check, none for a TCP check, a
/// command or no check: nothing says what such a port speaks.
pub(crate) fn scheme(check: Option<&Check>) -> Option<&'static str> {
    match check {
        Some(Check::Http { .. } | Check::HttpAny { .. }) => Some("http"),
        Some(Check::Protocol(protocol)) => Some(protocol.key()),
        Some(Check::Tcp | Check::Cmd(_)) | None => None,
    }
}

/// Where the host reaches a service published at `address` (`127.0.0.1:49153`), in the
/// scheme its check speaks (`http://…`, `postgres://…`); the bare address when the check
/// names no protocol, which no browser would be sent to.
pub(crate) fn url(check: Option<&Check>, address: &str) -> String {
    with_scheme(scheme(check), address)
}

/// `address` (`host:port`) as a URL in `scheme`, or bare without one.
pub(crate) fn with_scheme(scheme: Option<&str>, address: &str) -> String {
    match scheme {
        Some(scheme) => format!("{scheme}://{address}"),
        None => address.to_string(),
    }
}

/// A health check with its timing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Health {
    pub(crate) check: Check,
    /// Time between probes once the fast start-up polling has backed off.
    #[serde(serialize_with = "human")]
    pub(crate) interval: Duration,
    /// How long the service may take to become healthy before `up` fails.
    #[serde(serialize_with = "human")]
    pub(crate) timeout: Duration,
}

impl Health {
    pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
    pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
}

/// Durations as people write them in stack.yaml: `1s`, `2m`.
fn human<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_duration(*duration))
}
