//! Showing engine events: a live line per service on a terminal, plain lines otherwise,
//! JSON lines for scripts. Container logs get a coloured `service |` prefix.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use console::Style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::event::Event;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Live lines on a terminal.
    Bars,
    /// One line per step: logs, CI.
    Plain,
    /// One JSON object per line on stdout.
    Json,
}

/// Prefix colours, cycled over services in manifest order.
const COLORS: [console::Color; 6] = [
    console::Color::Cyan,
    console::Color::Magenta,
    console::Color::Green,
    console::Color::Yellow,
    console::Color::Blue,
    console::Color::Red,
];

/// Renders events for one command.
pub(crate) struct Progress {
    mode: Mode,
    color: bool,
    width: usize,
    styles: BTreeMap<String, Style>,
    multi: Option<MultiProgress>,
    bars: BTreeMap<String, ProgressBar>,
}

impl Progress {
    /// `services` are shown in this order, their names padded to one width.
    pub(crate) fn new(mode: Mode, color: bool, services: &[String]) -> Progress {
        let width = services.iter().map(String::len).max().unwrap_or(0);
        let styles = services
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let style = Style::new()
                    .fg(COLORS[i % COLORS.len()])
                    .force_styling(color);
                (name.clone(), style)
            })
            .collect();
        let multi = (mode == Mode::Bars)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(15)));
        Progress {
            mode,
            color,
            width,
            styles,
            multi,
            bars: BTreeMap::new(),
        }
    }

    fn prefix(&self, service: &str) -> String {
        let padded = format!("{service:<width$}", width = self.width);
        match self.styles.get(service) {
            Some(style) => style.apply_to(padded).to_string(),
            None => padded,
        }
    }

    fn bar(&mut self, service: &str) -> ProgressBar {
        if let Some(bar) = self.bars.get(service) {
            return bar.clone();
        }
        let multi = self.multi.as_ref().expect("bars exist only in bar mode");
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {wide_msg} {elapsed:>4}")
                .expect("a valid template")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✔"),
        );
        bar.set_prefix(self.prefix(service));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bars.insert(service.to_string(), bar.clone());
        bar
    }

    /// Shows one event.
    pub(crate) fn show(&mut self, event: &Event) {
        match self.mode {
            Mode::Json => {
                let line = serde_json::to_string(event).expect("events serialise");
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
            }
            Mode::Plain => {
                if let Some(text) = describe(event) {
                    let line = match event.service() {
                        Some(service) => format!("{}  {text}", self.prefix(service)),
                        None => text,
                    };
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                } else if let Event::Log { service, line } = event {
                    self.log(service, line);
                }
            }
            Mode::Bars => self.show_bar(event),
        }
    }

    fn show_bar(&mut self, event: &Event) {
        if let Event::Log { service, line } = event {
            self.log(service, line);
            return;
        }
        let Some(service) = event.service() else {
            if let (Some(text), Some(multi)) = (describe(event), &self.multi) {
                let _ = multi.println(text);
            }
            return;
        };
        let service = service.to_string();
        let bar = self.bar(&service);
        match event {
            Event::BuildOutput { .. } => {}
            Event::Healthy { .. }
            | Event::Completed { .. }
            | Event::ContainerRemoved { .. }
            | Event::ContainerStopped { .. } => {
                let done = Style::new().green().force_styling(self.color);
                bar.set_style(
                    ProgressStyle::with_template("{prefix:.bold} {prefix} {wide_msg}")
                        .expect("a valid template"),
                );
                bar.set_prefix(format!("{} {}", done.apply_to("✔"), self.prefix(&service)));
                bar.finish_with_message(describe(event).unwrap_or_default());
            }
            other => {
                if let Some(text) = describe(other) {
                    bar.set_message(text);
                }
            }
        }
    }

    /// A container's log line with its service prefix.
    pub(crate) fn log(&self, service: &str, line: &str) {
        let bar = Style::new().dim().force_styling(self.color).apply_to("|");
        let text = format!("{} {bar} {line}", self.prefix(service));
        match &self.multi {
            Some(multi) if !multi.is_hidden() && !self.bars.is_empty() => {
                let _ = multi.println(text);
            }
            _ => {
                let _ = writeln!(std::io::stdout().lock(), "{text}");
            }
        }
    }

    /// Stops drawing; bars that did not finish stay as they are.
    pub(crate) fn finish(&mut self) {
        for bar in self.bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
        self.bars.clear();
    }

    /// Consumes events until every sender is gone.
    pub(crate) async fn run(mut self, mut events: UnboundedReceiver<Event>) -> Progress {
        while let Some(event) = events.recv().await {
            self.show(&event);
        }
        self.finish();
        self
    }
}

/// The plain-text line for an event; `None` for events only kept or shown elsewhere.
fn describe(event: &Event) -> Option<String> {
    let seconds = |d: &Duration| format!("{:.1}s", d.as_secs_f64());
    Some(match event {
        Event::BuildCached { image, .. } => format!("image up to date ({image})"),
        Event::BuildStarted { .. } => "building".to_string(),
        Event::BuildStep {
            step, cached: true, ..
        } => format!("{step}  (cached)"),
        Event::BuildStep { step, .. } => step.clone(),
        Event::BuildOutput { .. } | Event::Log { .. } => return None,
        Event::BuildFinished { took, .. } => format!("built in {}", seconds(took)),
        Event::NetworkCreated { name } => format!("network {name} created"),
        Event::VolumeCreated { name } => format!("volume {name} created"),
        Event::ContainerUnchanged { .. } => "unchanged".to_string(),
        Event::ContainerCreated { .. } => "created".to_string(),
        Event::ContainerRecreated { reason, .. } => format!("recreated ({reason})"),
        Event::ContainerStarted { .. } => "started".to_string(),
        Event::Waiting { on, .. } => format!("waiting for {}", on.join(", ")),
        Event::Healthy {
            url, took, checked, ..
        } => {
            let state = if *checked { "healthy" } else { "running" };
            match url {
                Some(url) => format!("{state} in {}  {url}", seconds(took)),
                None => format!("{state} in {}", seconds(took)),
            }
        }
        Event::Completed { took, .. } => format!("completed in {}", seconds(took)),
        Event::ContainerStopped { .. } => "stopped".to_string(),
        Event::ContainerRemoved { .. } => "removed".to_string(),
        Event::NetworkRemoved { name } => format!("network {name} removed"),
        Event::VolumeRemoved { name } => format!("volume {name} removed"),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::describe;
    use crate::event::Event;

    #[test]
    fn plain_lines_say_what_happened() {
        let healthy = Event::Healthy {
            service: "api".to_string(),
            url: Some("http://127.0.0.1:49153".to_string()),
            checked: true,
            took: Duration::from_millis(1234),
        };
        assert_eq!(
            describe(&healthy).as_deref(),
            Some("healthy in 1.2s  http://127.0.0.1:49153")
        );
        let running = Event::Healthy {
            service: "worker".to_string(),
            url: None,
            checked: false,
            took: Duration::from_millis(300),
        };
        assert_eq!(describe(&running).as_deref(), Some("running in 0.3s"));
        let probed = Event::Healthy {
            service: "db".to_string(),
            url: None,
            checked: true,
            took: Duration::from_millis(2100),
        };
        assert_eq!(describe(&probed).as_deref(), Some("healthy in 2.1s"));
        let log = Event::Log {
            service: "api".to_string(),
            line: "x".to_string(),
        };
        assert_eq!(describe(&log), None);
    }
}
