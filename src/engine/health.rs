//! stack's own health probes: HTTP, TCP and the protocol checks (`engine/probe/`) through
//! the published port, commands by exec.
//!
//! Probes start every few milliseconds and back off to a small cap, so a service is seen
//! ready within ~100 ms of being ready, instead of at the next 1 s (or 30 s) tick.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine::client::Engine;
use crate::engine::probe::wire::not_connected;
use crate::engine::probe::{amqp, grpc, kafka, mysql, postgres, redis};
use crate::engine::probe_error::ProbeError;
use crate::manifest::health::{Check, Protocol};

/// How long one probe through the port may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// docker-proxy accepts a connection even while nothing listens inside the container and
/// then closes it once its own connection to the container fails; on a busy machine that
/// can take tens of milliseconds. A connection still open after this long reached the app.
pub(crate) const TCP_HOLD: Duration = Duration::from_millis(250);

/// One check of one container: the manifest's check with where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    check: Check,
    /// The published address (`127.0.0.1:49153`) for checks made through the port.
    address: String,
    container: String,
}

impl Probe {
    /// The probe for a check, given the published address when there is one; `None` when
    /// the check needs a published port and the service has none.
    pub(crate) fn new(check: &Check, address: Option<String>, container: &str) -> Option<Probe> {
        let address = if check.needs_port() {
            address?
        } else {
            String::new()
        };
        Some(Probe {
            check: check.clone(),
            address,
            container: container.to_string(),
        })
    }

    /// The delay cap while polling: exec is heavier than a connect.
    pub(crate) fn poll_cap(&self) -> Duration {
        if self.check.needs_port() {
            Duration::from_millis(100)
        } else {
            Duration::from_millis(250)
        }
    }
}

/// What a probe does, as its errors begin: `GET http://127.0.0.1:49153/healthz`.
fn describe(check: &Check, address: &str) -> String {
    match check {
        Check::Http { path } | Check::HttpAny { path } => format!("GET http://{address}{path}"),
        Check::Tcp => format!("connect to {address}"),
        Check::Cmd(argv) => format!("`{}`", argv.join(" ")),
        Check::Protocol(Protocol::Grpc { service }) if service.is_empty() => {
            format!("gRPC health check of {address}")
        }
        Check::Protocol(Protocol::Grpc { service }) => {
            format!("gRPC health check of `{service}` at {address}")
        }
        Check::Protocol(Protocol::Postgres { .. }) => {
            format!("postgres startup message to {address}")
        }
        Check::Protocol(Protocol::Redis) => format!("redis PING to {address}"),
        Check::Protocol(Protocol::Amqp) => format!("AMQP 0-9-1 protocol header to {address}"),
        Check::Protocol(Protocol::Mysql) => format!("MySQL handshake from {address}"),
        Check::Protocol(Protocol::Kafka) => format!("Kafka ApiVersions to {address}"),
    }
}

/// The protocol's first exchange with the server at `address`.
async fn speak(protocol: &Protocol, address: &str, what: String) -> Result<(), ProbeError> {
    match protocol {
        Protocol::Grpc { service } => grpc::probe(address, service, what).await,
        Protocol::Postgres { user } => postgres::probe(address, user, what).await,
        Protocol::Redis => redis::probe(address, what).await,
        Protocol::Amqp => amqp::probe(address, what).await,
        Protocol::Mysql => mysql::probe(address, what).await,
        Protocol::Kafka => kafka::probe(address, what).await,
    }
}

/// The delays between probes: 10 ms, growing by half each time, up to `cap`.
pub(crate) fn backoff(cap: Duration) -> impl Iterator<Item = Duration> {
    std::iter::successors(Some(Duration::from_millis(10)), move |d| {
        Some((*d * 3 / 2).min(cap))
    })
}

impl Engine {
    /// Runs one probe; the error is what the user sees when the service never gets healthy.
    pub(crate) async fn probe(&self, probe: &Probe) -> Result<(), ProbeError> {
        let address = &probe.address;
        let what = describe(&probe.check, address);
        match &probe.check {
            Check::Http { path } => timeout(what, http_get(address, path, false)).await,
            Check::HttpAny { path } => timeout(what, http_get(address, path, true)).await,
            Check::Tcp => timeout(what.clone(), tcp_open(address, what)).await,
            Check::Cmd(argv) => self.exec_probe(&probe.container, argv).await,
            Check::Protocol(protocol) => {
                timeout(what.clone(), speak(protocol, address, what)).await
            }
        }
    }

    async fn exec_probe(&self, container: &str, argv: &[String]) -> Result<(), ProbeError> {
        let (code, output) =
            self.exec_capture(container, argv)
                .await
                .map_err(|e| ProbeError::Exec {
                    message: e.to_string(),
                })?;
        match code {
            0 => Ok(()),
            code => Err(ProbeError::Command {
                argv: argv.to_vec(),
                code,
                last_line: output.last().cloned(),
            }),
        }
    }
}

async fn timeout(
    what: String,
    probe: impl std::future::Future<Output = Result<(), ProbeError>>,
) -> Result<(), ProbeError> {
    tokio::time::timeout(PROBE_TIMEOUT, probe)
        .await
        .unwrap_or(Err(ProbeError::TimedOut {
            what,
            after: PROBE_TIMEOUT,
        }))
}

async fn tcp_open(address: &str, what: String) -> Result<(), ProbeError> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| not_connected(&what, &e))?;
    let mut byte = [0u8; 1];
    match tokio::time::timeout(TCP_HOLD, stream.read(&mut byte)).await {
        // Still open and silent: something accepted it (most servers wait for the client).
        Err(_) => Ok(()),
        // Some protocols greet first (SMTP, MySQL): that is a live server too.
        Ok(Ok(n)) if n > 0 => Ok(()),
        Ok(Ok(_)) => Err(ProbeError::Closed {
            what,
            detail: "connection closed at once: nothing listens in the container yet".to_string(),
        }),
        Ok(Err(e)) => Err(not_connected(&what, &e)),
    }
}

/// GET `path`; healthy on a 2xx or 3xx, or on any status when `any_status`.
async fn http_get(address: &str, path: &str, any_status: bool) -> Result<(), ProbeError> {
    let url = format!("http://{address}{path}");
    let what = format!("GET {url}");
    let closed = |detail: &str| ProbeError::Closed {
        what: what.clone(),
        detail: detail.to_string(),
    };
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| not_connected(&what, &e))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: stack-health\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| not_connected(&what, &e))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| not_connected(&what, &e))?;
        if n == 0 {
            return Err(if head.is_empty() {
                closed("connection closed without a response")
            } else {
                closed("incomplete response")
            });
        }
        head.extend_from_slice(&buf[..n]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .filter(|_| status_line.starts_with("HTTP/"))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| ProbeError::NotHttp {
            url: url.clone(),
            first_line: status_line.to_string(),
        })?;
    if any_status || (200..400).contains(&code) {
        Ok(())
    } else {
        Err(ProbeError::Status { url, code })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::backoff;

    #[test]
    fn polling_starts_fast_and_backs_off_to_the_cap() {
        let delays: Vec<u128> = backoff(Duration::from_millis(100))
            .take(8)
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(delays, vec![10, 15, 22, 33, 50, 75, 100, 100]);
    }
}
