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

/// Where rendered text goes: the process's streams, or buffers and an in-memory terminal
/// in tests.
pub(crate) struct Outputs {
    /// JSON events, and container logs when no bars are drawn.
    stdout: Box<dyn Write + Send>,
    /// Plain lines.
    stderr: Box<dyn Write + Send>,
    /// Where bars are drawn.
    bars: ProgressDrawTarget,
    /// Spinners animate on their own on a real terminal; tests draw only on events.
    tick: bool,
}

impl Outputs {
    /// stdout and stderr of this process.
    pub(crate) fn terminal() -> Outputs {
        Outputs {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
            bars: ProgressDrawTarget::stderr_with_hz(15),
            tick: true,
        }
    }
}

/// Renders events for one command.
pub(crate) struct Progress {
    mode: Mode,
    color: bool,
    width: usize,
    styles: BTreeMap<String, Style>,
    multi: Option<MultiProgress>,
    bars: BTreeMap<String, ProgressBar>,
    stdout: Box<dyn Write + Send>,
    stderr: Box<dyn Write + Send>,
    tick: bool,
    /// Log lines get their `service |` prefix.
    log_prefix: bool,
}

impl Progress {
    /// `services` are shown in this order, their names padded to one width.
    pub(crate) fn new(mode: Mode, color: bool, services: &[String]) -> Progress {
        Progress::to(Outputs::terminal(), mode, color, services)
    }

    /// A progress that writes to `outputs`.
    pub(crate) fn to(outputs: Outputs, mode: Mode, color: bool, services: &[String]) -> Progress {
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
        let Outputs {
            stdout,
            stderr,
            bars,
            tick,
        } = outputs;
        let multi = (mode == Mode::Bars).then(|| MultiProgress::with_draw_target(bars));
        Progress {
            mode,
            color,
            width,
            styles,
            multi,
            bars: BTreeMap::new(),
            stdout,
            stderr,
            tick,
            log_prefix: true,
        }
    }

    /// With `false`, container log lines are shown as written, without `service |`.
    pub(crate) fn log_prefix(self, on: bool) -> Progress {
        Progress {
            log_prefix: on,
            ..self
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
        if self.tick {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        self.bars.insert(service.to_string(), bar.clone());
        bar
    }

    /// Shows one event.
    pub(crate) fn show(&mut self, event: &Event) {
        match self.mode {
            Mode::Json => {
                let line = serde_json::to_string(event).expect("events serialise");
                let _ = writeln!(self.stdout, "{line}");
                let _ = self.stdout.flush();
            }
            Mode::Plain => {
                if let Some(text) = describe(event) {
                    let line = match event.service() {
                        Some(service) => format!("{}  {text}", self.prefix(service)),
                        None => text,
                    };
                    let _ = writeln!(self.stderr, "{line}");
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
            // A changed URL must stay on screen, not be overwritten by the next step; a
            // clean-up after the service is ready must not overwrite how it ended.
            Event::PortMoved { .. } | Event::OlderImagesRemoved { .. } => {
                if let (Some(text), Some(multi)) = (describe(event), &self.multi) {
                    let _ = multi.println(format!("{}  {text}", self.prefix(&service)));
                }
            }
            Event::Healthy { .. }
            | Event::Pushed { .. }
            | Event::Completed { .. }
            | Event::ContainerRemoved { .. }
            | Event::ContainerStopped { .. }
            | Event::Signalled { .. } => self.finish_bar(&bar, &service, event, true),
            Event::Failed { .. }
            | Event::NotStarted { .. }
            | Event::NotReady { .. }
            | Event::Interrupted { .. }
            | Event::Exited { .. }
            | Event::UpdateFailed { .. } => self.finish_bar(&bar, &service, event, false),
            other => {
                if let Some(text) = describe(other) {
                    bar.set_message(text);
                }
            }
        }
    }

    /// Ends a service's line with a mark and what happened: ✔ done, ✘ failed or cut short.
    fn finish_bar(&self, bar: &ProgressBar, service: &str, event: &Event, success: bool) {
        let (mark, style) = if success {
            ("✔", Style::new().green())
        } else {
            ("✘", Style::new().red())
        };
        let mark = style.bold().force_styling(self.color).apply_to(mark);
        bar.set_style(
            ProgressStyle::with_template("{prefix} {wide_msg}").expect("a valid template"),
        );
        bar.set_prefix(format!("{mark} {}", self.prefix(service)));
        bar.finish_with_message(describe(event).unwrap_or_default());
    }

    /// A container's log line with its service prefix.
    pub(crate) fn log(&mut self, service: &str, line: &str) {
        let text = if self.log_prefix {
            let bar = Style::new().dim().force_styling(self.color).apply_to("|");
            format!("{} {bar} {line}", self.prefix(service))
        } else {
            line.to_string()
        };
        match &self.multi {
            Some(multi) if !multi.is_hidden() && !self.bars.is_empty() => {
                let _ = multi.println(text);
            }
            _ => {
                let _ = writeln!(self.stdout, "{text}");
                let _ = self.stdout.flush();
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
    pub(crate) async fn run(mut self, mut events: UnboundedReceiver<Event>) {
        while let Some(event) = events.recv().await {
            self.show(&event);
        }
        self.finish();
    }
}

/// The plain-text line for an event; `None` for events only kept or shown elsewhere.
fn describe(event: &Event) -> Option<String> {
    let seconds = |d: &Duration| format!("{:.1}s", d.as_secs_f64());
    Some(match event {
        Event::PullStarted { image, .. } => format!("pulling {image}"),
        Event::Pulled { image, took, .. } => format!("pulled {image} in {}", seconds(took)),
        Event::BuildCached { image, .. } => format!("image up to date ({image})"),
        Event::BuildStarted { .. } => "building".to_string(),
        Event::BuildStep {
            step, cached: true, ..
        } => format!("{step}  (cached)"),
        Event::BuildStep { step, .. } => step.clone(),
        Event::BuildOutput { .. } | Event::Log { .. } => return None,
        Event::BuildFinished { took, .. } => format!("built in {}", seconds(took)),
        Event::OlderImagesRemoved { images, .. } => format!(
            "{} older image{} removed ({})",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            images.join(", ")
        ),
        Event::PushStarted { image, layers, .. } => format!(
            "pushing {image} ({layers} layer{})",
            if *layers == 1 { "" } else { "s" }
        ),
        Event::PushProgress { done, layers, .. } => format!("pushed {done}/{layers} layers"),
        Event::Pushed { image, took, .. } => format!("pushed {image} in {}", seconds(took)),
        Event::NetworkCreated { name } => format!("network {name} created"),
        Event::VolumeCreated { name } => format!("volume {name} created"),
        Event::ContainerUnchanged { .. } => "unchanged".to_string(),
        Event::ContainerCreated { .. } => "created".to_string(),
        Event::ContainerRecreated { reason, .. } => format!("recreated ({reason})"),
        Event::ContainerStarted { .. } => "started".to_string(),
        Event::PortMoved { from, to, .. } => {
            format!("host port {from} is in use by something else; moved to {to}")
        }
        Event::Signalled { signal, .. } => format!("sent {signal}"),
        Event::Waiting { on, .. } => format!("waiting for {}", on.join(", ")),
        Event::Healthy {
            url,
            took,
            checked,
            kept,
            ..
        } => {
            let state = match (*checked, *kept) {
                (true, false) => format!("healthy in {}", seconds(took)),
                (false, false) => format!("running in {}", seconds(took)),
                (true, true) => "still healthy".to_string(),
                (false, true) => "still running".to_string(),
            };
            match url {
                Some(url) => format!("{state}  {url}"),
                None => state,
            }
        }
        Event::Completed { kept: true, .. } => "already completed".to_string(),
        Event::Completed { took, .. } => format!("completed in {}", seconds(took)),
        Event::Failed { message, .. } => format!("failed: {message}"),
        Event::NotStarted { reason, .. } => format!("not started: {reason}"),
        Event::NotReady { reason, .. } => format!("not ready: {reason}"),
        Event::Interrupted { stopped: true, .. } => "interrupted: stopped".to_string(),
        Event::Interrupted { stopped: false, .. } => {
            "interrupted: left running as it was".to_string()
        }
        Event::Exited {
            exit_code,
            oom,
            signal,
            restarting,
            ..
        } => {
            let what = match (oom, signal) {
                (true, _) => format!("killed: out of memory (exit code {exit_code})"),
                (false, Some(signal)) => {
                    format!("stopped by signal {signal} (exit code {exit_code})")
                }
                (false, None) => format!("exited with code {exit_code}"),
            };
            let next = if *restarting {
                "the engine restarts it"
            } else {
                "not restarted"
            };
            format!("{what}; {next}")
        }
        Event::ContainerStopped { .. } => "stopped".to_string(),
        Event::ContainerRemoved { .. } => "removed".to_string(),
        Event::NetworkRemoved { name } => format!("network {name} removed"),
        Event::VolumeRemoved { name } => format!("volume {name} removed"),
        Event::ImageRemoved { image } => format!("image {image} removed"),
        Event::Watching {
            services,
            folders,
            took,
        } => format!(
            "watching {} ({folders} folder{}) for changes, ready in {}; Ctrl-C stops the stack",
            services.join(", "),
            if *folders == 1 { "" } else { "s" },
            seconds(took)
        ),
        Event::Synced { files, deleted, .. } => {
            let count = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
            match (*files, *deleted) {
                (files, 0) => format!("synced {}", count(files)),
                (0, deleted) => format!("deleted {}", count(deleted)),
                (files, deleted) => format!("synced {}, deleted {deleted}", count(files)),
            }
        }
        Event::Rebuilding { reason, .. } => format!("rebuilding ({reason})"),
        Event::Restarting { reason, .. } => format!("restarting ({reason})"),
        Event::Executed {
            command,
            exit_code,
            output,
            ..
        } => {
            let mut text = if *exit_code == 0 {
                format!("ran `{command}`")
            } else {
                format!("`{command}` failed with exit code {exit_code}")
            };
            for line in output {
                text.push_str(&format!("\n    | {line}"));
            }
            text
        }
        Event::UpdateFailed {
            message,
            detail,
            kept,
            ..
        } => {
            let mut text = format!("update failed: {message}");
            for line in detail {
                text.push_str(&format!("\n    | {line}"));
            }
            if *kept {
                text.push_str("\n    the container from before keeps running, unchanged");
            }
            text
        }
        Event::Replanning { file } => format!("{file} changed: planning again"),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use indicatif::{InMemoryTerm, ProgressDrawTarget};

    use super::{Mode, Outputs, Progress, describe};
    use crate::event::Event;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
        }
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    /// One of every event, in an order a real `up`, a failure and a `down` produce them.
    fn every_event() -> Vec<Event> {
        let took = Duration::from_millis(1234);
        vec![
            Event::NetworkCreated {
                name: s("shop_default"),
            },
            Event::VolumeCreated {
                name: s("shop_pgdata"),
            },
            Event::PullStarted {
                service: s("db"),
                image: s("postgres:16"),
            },
            Event::Pulled {
                service: s("db"),
                image: s("postgres:16"),
                took,
            },
            Event::BuildCached {
                service: s("web"),
                image: s("stack-shop-web:0123456789ab"),
            },
            Event::BuildStarted { service: s("api") },
            Event::BuildStep {
                service: s("api"),
                step: s("Step 1/9 : FROM python:3.11-slim"),
                cached: true,
            },
            Event::BuildOutput {
                service: s("api"),
                line: s("Collecting flask"),
            },
            Event::BuildStep {
                service: s("api"),
                step: s("Step 2/9 : RUN pip install -r requirements.txt"),
                cached: false,
            },
            Event::BuildFinished {
                service: s("api"),
                image: s("stack-shop-api:0123456789ab"),
                took,
            },
            Event::PushStarted {
                service: s("web"),
                image: s("127.0.0.1:5000/shop/shop-web:0123456789ab"),
                layers: 7,
            },
            Event::PushProgress {
                service: s("web"),
                done: 1,
                layers: 7,
            },
            Event::Pushed {
                service: s("web"),
                image: s("127.0.0.1:5000/shop/shop-web:0123456789ab"),
                took,
            },
            Event::ContainerCreated { service: s("db") },
            Event::PortMoved {
                service: s("db"),
                from: 41234,
                to: 41999,
            },
            Event::ContainerStarted { service: s("db") },
            Event::Waiting {
                service: s("api"),
                on: vec![s("db"), s("seed")],
            },
            Event::Healthy {
                service: s("db"),
                url: None,
                checked: true,
                took,
                kept: false,
            },
            Event::ContainerUnchanged { service: s("web") },
            Event::Healthy {
                service: s("web"),
                url: Some(s("http://127.0.0.1:49153")),
                checked: false,
                took,
                kept: false,
            },
            Event::Completed {
                service: s("seed"),
                took,
                kept: false,
            },
            Event::ContainerRecreated {
                service: s("api"),
                reason: s("env changed"),
            },
            Event::Log {
                service: s("api"),
                line: s("listening on 0.0.0.0:8000"),
            },
            Event::Exited {
                service: s("api"),
                exit_code: 137,
                oom: true,
                signal: None,
                restarting: false,
            },
            Event::ContainerStopped { service: s("api") },
            Event::Signalled {
                service: s("web"),
                signal: s("SIGHUP"),
            },
            Event::ContainerRemoved { service: s("db") },
            Event::NetworkRemoved {
                name: s("shop_default"),
            },
            Event::VolumeRemoved {
                name: s("shop_pgdata"),
            },
            Event::ImageRemoved {
                image: s("stack-shop-web:0123456789ab"),
            },
            Event::OlderImagesRemoved {
                service: s("api"),
                images: vec![
                    s("stack-shop-api:00000000000a"),
                    s("stack-shop-api:00000000000b"),
                ],
            },
            Event::Watching {
                services: vec![s("api"), s("web")],
                folders: 12,
                took,
            },
            Event::Synced {
                service: s("web"),
                files: 3,
                deleted: 1,
            },
            Event::Rebuilding {
                service: s("api"),
                reason: s("requirements.txt changed"),
            },
            Event::Restarting {
                service: s("worker"),
                reason: s("jobs.py changed"),
            },
            Event::Executed {
                service: s("web"),
                command: s("npm run build:css"),
                exit_code: 1,
                output: vec![s("sass: no such file")],
            },
            Event::UpdateFailed {
                service: s("api"),
                message: s("build failed at Step 9/12 : RUN go build ."),
                detail: vec![s("./main.go:10:30: syntax error")],
                kept: true,
            },
            Event::Replanning {
                file: s("stack.yaml"),
            },
        ]
    }

    /// Which variant an event is: a new variant fails to compile here until it has a sample.
    fn variant(event: &Event) -> usize {
        match event {
            Event::PullStarted { .. } => 0,
            Event::Pulled { .. } => 1,
            Event::BuildCached { .. } => 2,
            Event::BuildStarted { .. } => 3,
            Event::BuildStep { .. } => 4,
            Event::BuildOutput { .. } => 5,
            Event::BuildFinished { .. } => 6,
            Event::NetworkCreated { .. } => 7,
            Event::VolumeCreated { .. } => 8,
            Event::ContainerUnchanged { .. } => 9,
            Event::ContainerCreated { .. } => 10,
            Event::ContainerRecreated { .. } => 11,
            Event::ContainerStarted { .. } => 12,
            Event::Waiting { .. } => 13,
            Event::Healthy { .. } => 14,
            Event::Completed { .. } => 15,
            Event::ContainerStopped { .. } => 16,
            Event::ContainerRemoved { .. } => 17,
            Event::NetworkRemoved { .. } => 18,
            Event::VolumeRemoved { .. } => 19,
            Event::Log { .. } => 20,
            Event::Failed { .. } => 21,
            Event::NotStarted { .. } => 22,
            Event::NotReady { .. } => 23,
            Event::Interrupted { .. } => 24,
            Event::Exited { .. } => 25,
            Event::PushStarted { .. } => 26,
            Event::PushProgress { .. } => 27,
            Event::Pushed { .. } => 28,
            Event::PortMoved { .. } => 29,
            Event::Signalled { .. } => 30,
            Event::ImageRemoved { .. } => 31,
            Event::Watching { .. } => 32,
            Event::Synced { .. } => 33,
            Event::Rebuilding { .. } => 34,
            Event::Restarting { .. } => 35,
            Event::Executed { .. } => 36,
            Event::UpdateFailed { .. } => 37,
            Event::Replanning { .. } => 38,
            Event::OlderImagesRemoved { .. } => 39,
        }
    }
    const VARIANTS: usize = 40;

    /// What a user sees of `events` in `mode`: stdout, stderr and the terminal's screen.
    fn rendered(mode: Mode, events: &[Event]) -> String {
        let (stdout, stderr) = (Buffer::default(), Buffer::default());
        let term = InMemoryTerm::new(30, 80);
        let outputs = Outputs {
            stdout: Box::new(stdout.clone()),
            stderr: Box::new(stderr.clone()),
            bars: ProgressDrawTarget::term_like(Box::new(term.clone())),
            tick: false,
        };
        let services = [
            "db", "seed", "api", "web", "worker", "cache", "queue", "mail",
        ]
        .map(s);
        let mut progress = Progress::to(outputs, mode, false, &services);
        for event in events {
            progress.show(event);
        }
        progress.finish();
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}--- terminal ---\n{}\n",
            stdout.text(),
            stderr.text(),
            term.contents()
        )
    }

    /// One of every event a failed, an interrupted and a kept run end with, one
    /// service each, and what a foreground `up` says when a service stops.
    fn every_ending() -> Vec<Event> {
        let took = Duration::from_millis(1234);
        vec![
            Event::Completed {
                service: s("seed"),
                took,
                kept: true,
            },
            Event::Healthy {
                service: s("db"),
                url: Some(s("http://127.0.0.1:49153")),
                checked: true,
                took,
                kept: true,
            },
            Event::Failed {
                service: s("api"),
                message: s("exited with code 3"),
            },
            Event::NotStarted {
                service: s("web"),
                reason: s("`api` failed"),
            },
            Event::NotReady {
                service: s("worker"),
                reason: s("`api` failed"),
            },
            Event::Interrupted {
                service: s("cache"),
                stopped: true,
            },
            Event::Interrupted {
                service: s("queue"),
                stopped: false,
            },
            Event::Exited {
                service: s("mail"),
                exit_code: 7,
                oom: false,
                signal: None,
                restarting: false,
            },
            Event::Exited {
                service: s("mail"),
                exit_code: 143,
                oom: false,
                signal: Some(s("15")),
                restarting: true,
            },
        ]
    }

    #[test]
    fn every_event_is_shown_in_every_mode() {
        let mut events = every_event();
        events.extend(every_ending());
        let seen: BTreeSet<usize> = events.iter().map(variant).collect();
        assert_eq!(seen.len(), VARIANTS, "every_event() has a sample of each");
        insta::assert_snapshot!("plain", rendered(Mode::Plain, &events));
        insta::assert_snapshot!("json", rendered(Mode::Json, &events));
        insta::assert_snapshot!("bars", rendered(Mode::Bars, &events));
    }

    #[test]
    fn plain_lines_say_what_happened() {
        let healthy = Event::Healthy {
            service: "api".to_string(),
            url: Some("http://127.0.0.1:49153".to_string()),
            checked: true,
            took: Duration::from_millis(1234),
            kept: false,
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
            kept: false,
        };
        assert_eq!(describe(&running).as_deref(), Some("running in 0.3s"));
        let probed = Event::Healthy {
            service: "db".to_string(),
            url: None,
            checked: true,
            took: Duration::from_millis(2100),
            kept: false,
        };
        assert_eq!(describe(&probed).as_deref(), Some("healthy in 2.1s"));
        let log = Event::Log {
            service: "api".to_string(),
            line: "x".to_string(),
        };
        assert_eq!(describe(&log), None);
    }
}
