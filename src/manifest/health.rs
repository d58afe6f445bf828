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

/// Where the host reaches a service published on `address` (`127.0.0.1:49153`), as its
/// URL: `http://` only when its check speaks HTTP; a database or a cache (a TCP check, a
/// command, none) is reached at the bare address, which no browser would open.
pub(crate) fn url(address: &str, health: Option<&Health>) -> String {
    match health.map(|h| &h.check) {
        Some(Check::Http { .. } | Check::HttpAny { .. }) => format!("http://{address}"),
        Some(Check::Tcp | Check::Cmd(_)) | None => address.to_string(),
    }
}

impl Health {
    pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
    pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
}

/// Durations as people write them in stack.yaml: `1s`, `2m`.
fn human<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_duration(*duration))
}
