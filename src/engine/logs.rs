//! Streaming a project's container logs, following each service across restarts and
//! recreation: a service is found by its container name each time its stream ends.

use std::time::Duration;

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::StreamExt;
use futures_util::future::join_all;

use crate::engine::client::Engine;
use crate::engine::container::engine_time;
use crate::event::{Event, Events};
use crate::plan::spec::container_name;

/// How often a followed service whose container is stopped is looked for again.
const REATTACH_POLL: Duration = Duration::from_millis(250);

/// Which lines `logs` shows, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LogRange {
    /// Lines from the end of each service's log (before `since` and `until` cut).
    pub(crate) tail: Option<usize>,
    /// Unix seconds: only lines written after.
    pub(crate) since: Option<f64>,
    /// Unix seconds: only lines written before.
    pub(crate) until: Option<f64>,
    /// Keep following new lines, across restarts, until the caller drops the future or
    /// `until` passes.
    pub(crate) follow: bool,
    /// Each line starts with the engine's timestamp.
    pub(crate) timestamps: bool,
}

impl Engine {
    /// Sends each service's log lines as events. Without `follow`, returns after the lines
    /// already written; with it, runs until the caller drops the future.
    pub(crate) async fn logs(
        &self,
        project: &str,
        services: &[String],
        tail: Option<usize>,
        since: Option<f64>,
        follow: bool,
        events: &Events,
    ) {
        let range = LogRange {
            tail,
            since,
            follow,
            ..LogRange::default()
        };
        self.logs_in(project, services, range, events).await;
    }

    /// `logs` for the lines of `range`.
    pub(crate) async fn logs_in(
        &self,
        project: &str,
        services: &[String],
        range: LogRange,
        events: &Events,
    ) {
        let streams = services
            .iter()
            .map(|service| self.service_logs(project, service, range, events));
        join_all(streams).await;
    }

    async fn service_logs(&self, project: &str, service: &str, range: LogRange, events: &Events) {
        let name = container_name(project, service);
        let LogRange {
            tail,
            since,
            until,
            follow,
            timestamps,
        } = range;
        // Unix seconds of the last line seen, so a re-attach does not repeat lines.
        let mut resume: Option<f64> = None;
        let mut attached = false;
        let mut last_started: Option<String> = None;
        loop {
            if follow && until.is_some_and(|until| now() >= until) {
                return;
            }
            let state = self.container_state(&name, None, "").await.ok();
            let Some(state) = state else {
                if !follow {
                    return;
                }
                tokio::time::sleep(REATTACH_POLL).await;
                continue;
            };
            let restarted = state.started_at != last_started;
            if attached && !restarted && !state.running {
                // Same stopped instance as last time: wait for it to start again.
                tokio::time::sleep(REATTACH_POLL).await;
                continue;
            }
            last_started = state.started_at.clone();
            let mut options = LogsOptionsBuilder::default()
                .stdout(true)
                .stderr(true)
                .timestamps(true)
                .follow(follow);
            let resumed = attached;
            attached = true;
            // The engine counts whole seconds: the lines of the second before the bound
            // are cut below, `since` itself shown, a resumed line not again.
            let from = if resumed { resume } else { since };
            if let Some(seconds) = from {
                options = options.since(seconds as i32);
            }
            if let Some(seconds) = until {
                // The engine counts whole seconds; the lines past `until` are cut below.
                options = options.until(seconds.ceil() as i32);
            }
            // The tail is of the log as it was when asked; a re-attach resumes instead.
            if !resumed {
                options = options.tail(&tail.map_or("all".to_string(), |n| n.to_string()));
            }
            let mut stream = self.docker().logs(&name, Some(options.build()));
            let mut cut = from;
            while let Some(Ok(chunk)) = stream.next().await {
                for (seconds, stamp, line) in stamped_lines(&chunk) {
                    let early = |t: f64| cut.is_some_and(|c| t < c || (resumed && t <= c));
                    let late = |t: f64| until.is_some_and(|u| t > u);
                    if seconds.is_some_and(|t| early(t) || late(t)) {
                        continue;
                    }
                    cut = None;
                    if let Some(seconds) = seconds {
                        resume = Some(seconds);
                    }
                    let line = if timestamps && !stamp.is_empty() {
                        format!("{stamp} {line}")
                    } else {
                        line
                    };
                    let _ = events.send(Event::Log {
                        service: service.to_string(),
                        line,
                    });
                }
            }
            if !follow {
                return;
            }
            resume.get_or_insert(since.unwrap_or(0.0));
            tokio::time::sleep(REATTACH_POLL).await;
        }
    }
}

/// Now, in Unix seconds.
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// Lines of a chunk with their engine timestamps (Unix seconds).
pub(crate) fn timestamped_lines(chunk: &LogOutput) -> Vec<(Option<f64>, String)> {
    stamped_lines(chunk)
        .into_iter()
        .map(|(seconds, _, line)| (seconds, line))
        .collect()
}

/// Lines of a chunk with their engine timestamps, as Unix seconds and as the engine
/// wrote them (empty when a line has none).
fn stamped_lines(chunk: &LogOutput) -> Vec<(Option<f64>, String, String)> {
    let bytes = match chunk {
        LogOutput::StdOut { message }
        | LogOutput::StdErr { message }
        | LogOutput::Console { message } => message,
        LogOutput::StdIn { .. } => return Vec::new(),
    };
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|line| match line.split_once(' ') {
            Some((stamp, rest)) => match parse_rfc3339(stamp) {
                Some(seconds) => (
                    Some(seconds),
                    stamp.to_string(),
                    rest.trim_end().to_string(),
                ),
                None => (None, String::new(), line.trim_end().to_string()),
            },
            None => match parse_rfc3339(line) {
                Some(seconds) => (Some(seconds), line.to_string(), String::new()),
                None => (None, String::new(), line.trim_end().to_string()),
            },
        })
        .collect()
}

/// `2024-05-01T10:00:00.123456789Z` as Unix seconds.
fn parse_rfc3339(stamp: &str) -> Option<f64> {
    let time = engine_time(stamp)?;
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn engine_timestamps_parse_with_nanoseconds() {
        let seconds = parse_rfc3339("2024-05-01T10:00:00.500000000Z").expect("parses");
        assert!((seconds - 1_714_557_600.5).abs() < 1e-3, "{seconds}");
    }
}
