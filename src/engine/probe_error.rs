//! What a failed health probe saw, and what to do about it: the hint follows the evidence
//! (refused, closed, timed out, an HTTP status, a command's exit, what a server answered in
//! its own protocol), never a guess.

use std::fmt;
use std::time::Duration;

use crate::engine::listening::Socket;

/// Why one probe failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProbeError {
    /// Nothing accepted the connection on the host side.
    Refused { what: String, detail: String },
    /// The engine's port forwarding accepted, then the connection closed or was reset:
    /// nothing answered behind it.
    Closed { what: String, detail: String },
    /// Connected, and no answer came in time.
    TimedOut { what: String, after: Duration },
    /// The service answered HTTP with a status that is not 2xx or 3xx.
    Status { url: String, code: u16 },
    /// Something answered, but not HTTP.
    NotHttp { url: String, first_line: String },
    /// The check command ran and exited non-zero.
    Command {
        argv: Vec<String>,
        code: i64,
        last_line: Option<String>,
    },
    /// The engine could not run the check command.
    Exec { message: String },
    /// A swarm task is not running yet, or its own health check fails: what swarm says.
    Task { message: String },
    /// Something answered a protocol check, in another protocol (`answer`: its first
    /// line, shown as text).
    WrongProtocol {
        what: String,
        protocol: &'static str,
        answer: String,
    },
    /// The server speaks the protocol and says it is not ready: starting up (postgres
    /// 57P03), loading its data (redis `-LOADING`), `NOT_SERVING` (gRPC).
    NotReady { what: String, answer: String },
    /// The server speaks the protocol and answered the check with an error.
    Answered { what: String, answer: String },
    /// The server is up but refuses clients from outside its container (redis's protected
    /// mode), which is where the check comes from.
    Denied { what: String, answer: String },
    /// A gRPC server without the standard health service (`UNIMPLEMENTED`).
    NoHealthService { what: String, answer: String },
    /// The gRPC health service does not know the service the check names (`NOT_FOUND`).
    UnknownService { what: String, service: String },
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Refused { what, detail } => {
                write!(f, "{what}: connection refused ({detail})")
            }
            ProbeError::Closed { what, detail } => write!(f, "{what}: {detail}"),
            ProbeError::TimedOut { what, after } => {
                write!(
                    f,
                    "{what}: no answer within {}",
                    humantime::format_duration(*after)
                )
            }
            ProbeError::Status { url, code } => write!(f, "GET {url} returned {code}"),
            ProbeError::NotHttp { url, first_line } => {
                write!(f, "GET {url}: not an HTTP response: {first_line}")
            }
            ProbeError::Command {
                argv,
                code,
                last_line,
            } => {
                write!(f, "`{}` exited with {code}", argv.join(" "))?;
                match last_line {
                    Some(line) if !line.is_empty() => write!(f, ": {line}"),
                    _ => Ok(()),
                }
            }
            ProbeError::Exec { message } => write!(f, "the check could not run: {message}"),
            ProbeError::Task { message } => f.write_str(message),
            ProbeError::WrongProtocol {
                what,
                protocol,
                answer,
            } => write!(f, "{what}: the answer is not {protocol}: {answer}"),
            ProbeError::NotReady { what, answer } => write!(f, "{what}: not ready: {answer}"),
            ProbeError::Answered { what, answer } => {
                write!(f, "{what}: the server answered {answer}")
            }
            ProbeError::Denied { what, answer } => write!(f, "{what}: refused: {answer}"),
            ProbeError::NoHealthService { what, answer } => {
                write!(f, "{what}: the server has no health service: {answer}")
            }
            ProbeError::UnknownService { what, service } => write!(
                f,
                "{what}: the health service does not know `{service}` (NOT_FOUND)"
            ),
        }
    }
}

impl ProbeError {
    /// What the user can do, given what the probe saw and what listens in the container
    /// (`listening`, read only when the probe could not connect; empty when unknown).
    pub(crate) fn hint(&self, service: &str, port: Option<u16>, listening: &[Socket]) -> String {
        let port_text = port.map_or_else(|| "its port".to_string(), |p| p.to_string());
        match self {
            ProbeError::Refused { .. } | ProbeError::Closed { .. } => {
                not_reached(service, port, listening).unwrap_or_else(|| {
                    format!(
                        "nothing answered on port {port_text} of `{service}`: check that it listens on 0.0.0.0:{port_text} (not 127.0.0.1), or raise `health.timeout` if it starts slowly"
                    )
                })
            }
            ProbeError::TimedOut { .. } => format!(
                "`{service}` accepted the connection but did not answer: it may be stuck or busy starting; its logs say which, or raise `health.timeout`"
            ),
            ProbeError::Status { code: 404, .. } => format!(
                "`{service}` answers, but not on this path: check `health.http`"
            ),
            ProbeError::Status { code: 401 | 403, .. } => format!(
                "`{service}` answers, but wants credentials on this path: point `health.http` at a route that answers without them"
            ),
            ProbeError::Status { code, .. } if *code >= 500 => format!(
                "`{service}` answers {code}: it is up but failing; its logs (`stack logs {service}`) say why"
            ),
            ProbeError::Status { code, .. } => format!(
                "`{service}` answers {code} on this path: a health route answers 2xx or 3xx; check `health.http`"
            ),
            ProbeError::NotHttp { .. } => format!(
                "something answers on port {port_text} of `{service}`, but not HTTP: use `health: {{ tcp: true }}` or check `port`"
            ),
            ProbeError::Command { argv, .. } => format!(
                "run the check yourself to see why: `stack exec {service} -- {}`",
                argv.join(" ")
            ),
            ProbeError::Exec { .. } => format!(
                "the check's program must exist in the image of `{service}`; `stack exec {service} -- sh` looks inside"
            ),
            ProbeError::Task { .. } => format!(
                "`docker service ps --no-trunc` shows the swarm's view of `{service}`'s tasks; under swarm the check runs inside the container"
            ),
            ProbeError::WrongProtocol { protocol, .. } => format!(
                "something answers on port {port_text} of `{service}`, but not {protocol}: check `port`, and that the kind of check in `health` is the server's protocol"
            ),
            ProbeError::NotReady { .. } => format!(
                "`{service}` answers but is not ready yet: it may need longer (raise `health.timeout`), or its logs (`stack logs {service}`) say what holds it"
            ),
            ProbeError::Answered { .. } => format!(
                "`{service}` answered the check with an error: its logs (`stack logs {service}`) say why; `health: {{ tcp: true }}` checks only that it accepts connections"
            ),
            ProbeError::Denied { .. } => format!(
                "`{service}` refuses clients from outside its container, and the check comes through the published port: let it accept them (redis: set a password, or `--protected-mode no`)"
            ),
            ProbeError::NoHealthService { .. } => format!(
                "`{service}` speaks gRPC but does not serve grpc.health.v1: register the standard health service (grpcio-health-checking in Python, google.golang.org/grpc/health in Go, tonic-health in Rust), or use `health: {{ tcp: true }}`"
            ),
            ProbeError::UnknownService { .. } => format!(
                "the health service of `{service}` knows other names: set `health.grpc` to a service name it registers (`package.Service`), or `true` for the server as a whole"
            ),
        }
    }
}

/// The hint when the probe could not connect and the container's own sockets explain why.
fn not_reached(service: &str, port: Option<u16>, listening: &[Socket]) -> Option<String> {
    let port = port?;
    let on_port: Vec<&Socket> = listening.iter().filter(|s| s.port == port).collect();
    if !on_port.is_empty() && on_port.iter().all(|s| s.loopback_only()) {
        return Some(format!(
            "`{service}` listens on {} inside its container, which the published port cannot reach: make it listen on 0.0.0.0:{port}",
            on_port[0]
        ));
    }
    if on_port.is_empty() && !listening.is_empty() {
        let others: Vec<String> = listening.iter().map(Socket::to_string).collect();
        return Some(format!(
            "`{service}` listens on {} but not on port {port}: set `port:` to the port it listens on, or make it listen on {port}",
            others.join(", ")
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use super::ProbeError;
    use crate::engine::listening::Socket;

    fn socket(ip: [u8; 4], port: u16) -> Socket {
        Socket {
            ip: IpAddr::V4(Ipv4Addr::from(ip)),
            port,
        }
    }

    #[test]
    fn each_kind_of_failure_has_its_own_hint() {
        let closed = ProbeError::Closed {
            what: "GET http://127.0.0.1:49153/healthz".to_string(),
            detail: "connection closed without a response".to_string(),
        };
        let cases = [
            (closed.clone(), vec![]),
            (closed.clone(), vec![socket([127, 0, 0, 1], 8000)]),
            (closed, vec![socket([0, 0, 0, 0], 9999)]),
            (
                ProbeError::TimedOut {
                    what: "GET http://127.0.0.1:49153/healthz".to_string(),
                    after: Duration::from_secs(2),
                },
                vec![],
            ),
            (
                ProbeError::Status {
                    url: "http://127.0.0.1:49153/nope".to_string(),
                    code: 404,
                },
                vec![],
            ),
            (
                ProbeError::Status {
                    url: "http://127.0.0.1:49153/healthz".to_string(),
                    code: 503,
                },
                vec![],
            ),
            (
                ProbeError::Command {
                    argv: vec!["pg_isready".to_string()],
                    code: 2,
                    last_line: Some("no response".to_string()),
                },
                vec![],
            ),
            (
                ProbeError::WrongProtocol {
                    what: "redis PING to 127.0.0.1:49153".to_string(),
                    protocol: "redis",
                    answer: "`HTTP/1.0 400 Bad Request`".to_string(),
                },
                vec![],
            ),
            (
                ProbeError::NotReady {
                    what: "postgres startup message to 127.0.0.1:49153".to_string(),
                    answer: "the database system is starting up (57P03)".to_string(),
                },
                vec![],
            ),
            (
                ProbeError::Answered {
                    what: "Kafka ApiVersions to 127.0.0.1:49153".to_string(),
                    answer: "error code -1 (UNKNOWN_SERVER_ERROR)".to_string(),
                },
                vec![],
            ),
            (
                ProbeError::Denied {
                    what: "redis PING to 127.0.0.1:49153".to_string(),
                    answer: "`-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.`".to_string(),
                },
                vec![],
            ),
            (
                ProbeError::NoHealthService {
                    what: "gRPC health check of 127.0.0.1:49153".to_string(),
                    answer: "UNIMPLEMENTED".to_string(),
                },
                vec![],
            ),
            (
                ProbeError::UnknownService {
                    what: "gRPC health check of `shop.Orders` at 127.0.0.1:49153".to_string(),
                    service: "shop.Orders".to_string(),
                },
                vec![],
            ),
        ];
        let text: Vec<String> = cases
            .iter()
            .map(|(error, listening)| {
                format!(
                    "{error}\n  hint: {}",
                    error.hint("api", Some(8000), listening)
                )
            })
            .collect();
        insta::assert_snapshot!(text.join("\n"));
    }
}
