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
        let streams = services
            .iter()
            .map(|service| self.service_logs(project, service, tail, since, follow, events));
        join_all(streams).await;
    }

    async fn service_logs(
        &self,
        project: &str,
        service: &str,
        tail: Option<usize>,
        since: Option<f64>,
        follow: bool,
        events: &Events,
    ) {
        let name = container_name(project, service);
        // Unix seconds of the last line seen, so a re-attach does not repeat lines.
        let mut since = since;
        let mut last_started: Option<String> = None;
        loop {
            let state = self.container_state(&name, None, "").await.ok();
            let Some(state) = state else {
                if !follow {
                    return;
                }
                tokio::time::sleep(REATTACH_POLL).await;
                continue;
            };
            let restarted = state.started_at != last_started;
            if since.is_some() && !restarted && !state.running {
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
            options = match since {
                Some(seconds) => options.since(seconds as i32),
                None => options.tail(&tail.map_or("all".to_string(), |n| n.to_string())),
            };
            let mut stream = self.docker().logs(&name, Some(options.build()));
            let mut skip_until = since;
            while let Some(Ok(chunk)) = stream.next().await {
                for (stamp, line) in timestamped_lines(&chunk) {
                    if skip_until.is_some_and(|s| stamp.is_some_and(|t| t <= s)) {
                        continue;
                    }
                    skip_until = None;
                    if let Some(stamp) = stamp {
                        since = Some(stamp);
                    }
                    let _ = events.send(Event::Log {
                        service: service.to_string(),
                        line,
                    });
                }
            }
            if !follow {
                return;
            }
            since.get_or_insert(0.0);
            tokio::time::sleep(REATTACH_POLL).await;
        }
    }
}

/// Lines of a chunk with their engine timestamps (Unix seconds).
pub(crate) fn timestamped_lines(chunk: &LogOutput) -> Vec<(Option<f64>, String)> {
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
                Some(seconds) => (Some(seconds), rest.trim_end().to_string()),
                None => (None, line.trim_end().to_string()),
            },
            None => (parse_rfc3339(line), String::new()),
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
