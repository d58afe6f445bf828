//! stack's own health probes: HTTP and TCP through the published port, commands by exec.
//!
//! Probes start every few milliseconds and back off to a small cap, so a service is seen
//! ready within ~100 ms of being ready, instead of at the next 1 s (or 30 s) tick.

use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine::client::Engine;
use crate::manifest::health::Check;

/// How long one HTTP or TCP probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// docker-proxy accepts a connection even while nothing listens inside the container and
/// then closes it at once; a connection still open after this long reached the app.
const TCP_SETTLE: Duration = Duration::from_millis(50);

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
        let address = match check {
            Check::Http { .. } | Check::HttpAny { .. } | Check::Tcp => address?,
            Check::Cmd(_) => String::new(),
        };
        Some(Probe {
            check: check.clone(),
            address,
            container: container.to_string(),
        })
    }

    /// The delay cap while polling: exec is heavier than a connect.
    pub(crate) fn poll_cap(&self) -> Duration {
        match self.check {
            Check::Http { .. } | Check::HttpAny { .. } | Check::Tcp => Duration::from_millis(100),
            Check::Cmd(_) => Duration::from_millis(250),
        }
    }
}

/// The delays between probes: 10 ms, growing by half each time, up to `cap`.
pub(crate) fn backoff(cap: Duration) -> impl Iterator<Item = Duration> {
    std::iter::successors(Some(Duration::from_millis(10)), move |d| {
        Some((*d * 3 / 2).min(cap))
    })
}

impl Engine {
    /// Runs one probe; the error text is what the user sees when the service never gets healthy.
    pub(crate) async fn probe(&self, probe: &Probe) -> Result<(), String> {
        let address = &probe.address;
        match &probe.check {
            Check::Http { path } => timeout(http_get(address, path, false)).await,
            Check::HttpAny { path } => timeout(http_get(address, path, true)).await,
            Check::Tcp => timeout(tcp_open(address)).await,
            Check::Cmd(argv) => self.exec_probe(&probe.container, argv).await,
        }
    }

    async fn exec_probe(&self, container: &str, argv: &[String]) -> Result<(), String> {
        let options = CreateExecOptions {
            cmd: Some(argv.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let exec = self
            .docker()
            .create_exec(container, options)
            .await
            .map_err(|e| format!("exec failed: {e}"))?;
        let mut output = Vec::new();
        if let Ok(StartExecResults::Attached {
            output: mut stream, ..
        }) = self.docker().start_exec(&exec.id, None).await
        {
            while let Some(Ok(chunk)) = stream.next().await {
                crate::engine::container::push_lines(&mut output, &chunk);
            }
        }
        let inspect = self
            .docker()
            .inspect_exec(&exec.id)
            .await
            .map_err(|e| format!("exec failed: {e}"))?;
        match inspect.exit_code {
            Some(0) => Ok(()),
            code => {
                let last = output.last().cloned().unwrap_or_default();
                Err(format!(
                    "`{}` exited with {}{}",
                    argv.join(" "),
                    code.map(|c| c.to_string())
                        .unwrap_or_else(|| "no code".to_string()),
                    if last.is_empty() {
                        String::new()
                    } else {
                        format!(": {last}")
                    }
                ))
            }
        }
    }
}

async fn timeout(
    probe: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), String> {
    tokio::time::timeout(PROBE_TIMEOUT, probe)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())))
}

async fn tcp_open(address: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let mut byte = [0u8; 1];
    match tokio::time::timeout(TCP_SETTLE, stream.read(&mut byte)).await {
        // Still open and silent: something accepted it (most servers wait for the client).
        Err(_) => Ok(()),
        // Some protocols greet first (SMTP, MySQL): that is a live server too.
        Ok(Ok(n)) if n > 0 => Ok(()),
        Ok(Ok(_)) => Err(format!(
            "connection to {address} closed: nothing listens in the container yet"
        )),
        Ok(Err(e)) => Err(format!("connection to {address} failed: {e}")),
    }
}

/// GET `path`; healthy on a 2xx or 3xx, or on any status when `any_status`.
async fn http_get(address: &str, path: &str, any_status: bool) -> Result<(), String> {
    let url = format!("http://{address}{path}");
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("GET {url}: cannot connect: {e}"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: stack-health\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if n == 0 {
            return Err(if head.is_empty() {
                format!("GET {url}: connection closed without a response")
            } else {
                format!("GET {url}: incomplete response")
            });
        }
        head.extend_from_slice(&buf[..n]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("GET {url}: not an HTTP response: {status_line}"))?;
    if any_status || (200..400).contains(&code) {
        Ok(())
    } else {
        Err(format!("GET {url} returned {code}"))
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
