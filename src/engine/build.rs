//! Building one image with the engine's classic builder, from a context streamed as a tar.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::time::Instant;

use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use bytes::Bytes;
use futures_util::future::join_all;
use futures_util::{Stream, StreamExt};
use tokio::sync::{Semaphore, mpsc};

use crate::build::context::BuildContext;
use crate::engine::client::Engine;
use crate::engine::error::{EngineError, is_lost};
use crate::event::Event;
use crate::plan::request::BuildRequest;
use crate::plan::spec::label;

/// How many lines of a failing step's output the error shows.
const KEPT_LINES: usize = 30;

/// The tar is sent in chunks of this size, at most `CHUNKS_IN_FLIGHT` of them waiting for
/// the engine: what a build holds of its context, whatever the context's size.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

impl Engine {
    /// Whether an image with this reference exists.
    pub(crate) async fn has_image(&self, reference: &str) -> Result<bool, EngineError> {
        match self.docker().inspect_image(reference).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(source) => Err(EngineError::request(
                format!("inspect image {reference}"),
                source,
            )),
        }
    }

    /// Runs `builds`, at most `jobs` at a time, each service's older images removed after
    /// its build; the first failure is the error.
    pub(crate) async fn build_all(
        &self,
        builds: Vec<BuildRequest>,
        jobs: usize,
        events: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        let jobs = Semaphore::new(jobs.max(1));
        let runs = builds.into_iter().map(|request| {
            let jobs = &jobs;
            async move {
                let _permit = jobs.acquire().await.expect("never closed");
                let (project, service) = (request.project.clone(), request.service.clone());
                self.build(request, events).await?;
                self.remove_older_images(&project, &service, events).await;
                Ok(())
            }
        });
        join_all(runs)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, _>>()
            .map(|_| ())
    }

    /// Builds the image and tags it; reports steps and output as events.
    pub(crate) async fn build(
        &self,
        request: BuildRequest,
        events: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        let service = request.service.clone();
        events(Event::BuildStarted {
            service: service.clone(),
        });
        let labels: HashMap<String, String> = HashMap::from([
            (label::PROJECT.to_string(), request.project.clone()),
            (label::SERVICE.to_string(), request.service.clone()),
            (
                label::CONTEXT_HASH.to_string(),
                request.context.hash.clone(),
            ),
        ]);
        let args: HashMap<String, String> = request.args.into_iter().collect();
        // The classic builder adds one LABEL step per label it is given, each a container
        // created and committed (about 0.1 s) at the end of every build: a Dockerfile of
        // stack's gets them as one step of its own. A target stage is not the last one, so
        // there the engine places them.
        let mut context = request.context;
        let folded = request.target.is_none()
            && context.append_to_generated_dockerfile(&label_instruction(&labels));
        let label_steps = if folded { 1 } else { labels.len() };
        let given = if folded { HashMap::new() } else { labels };
        let mut options = BuildImageOptionsBuilder::default();
        if let Some(target) = &request.target {
            options = options.target(target);
        }
        let options = options
            .dockerfile("Dockerfile")
            .t(&request.tag)
            .rm(true)
            .forcerm(true)
            .labels(&given)
            .buildargs(&args)
            .nocache(request.no_cache)
            // The classic builder exists on every engine since 1.x; BuildKit needs a session.
            .version(BuilderVersion::BuilderV1)
            .build();
        let body = bollard::body_try_stream(streamed(context));
        let mut stream = self.docker().build_image(options, None, Some(body));
        let mut step: Option<String> = None;
        // A step is announced with its first line of output, which says whether the
        // engine reused the layer (" ---> Using cache").
        let mut announced = true;
        let announce = |step: &str, cached: bool| {
            // stack's own labels are steps at the end; they are not the user's.
            if !step.contains(" : LABEL dev.stack.") {
                events(Event::BuildStep {
                    service: service.clone(),
                    step: step.to_string(),
                    cached,
                });
            }
        };
        let mut output: VecDeque<String> = VecDeque::new();
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                Err(bollard::errors::Error::DockerStreamError { error }) => {
                    return Err(failed(&service, step, error, output));
                }
                Err(source) if is_lost(&source) => {
                    return Err(EngineError::Lost {
                        action: format!("build the image of `{service}`"),
                        source: Some(std::sync::Arc::new(source)),
                    });
                }
                Err(source) => {
                    return Err(EngineError::BuildFailed {
                        service,
                        step,
                        message: source.to_string(),
                        output: output.into(),
                    });
                }
            };
            if let Some(message) = info.error_detail.and_then(|d| d.message) {
                return Err(failed(&service, step, message, output));
            }
            let Some(text) = info.stream else {
                continue;
            };
            // The classic builder wraps a step's stderr in colour codes (ESC[91m … ESC[0m):
            // they are not the build's words, and `--color never` must not print them.
            let text = console::strip_ansi_codes(&text);
            for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
                if line.starts_with("Step ") && line.contains(" : ") {
                    if let (Some(previous), false) = (&step, announced) {
                        announce(previous, false);
                    }
                    step = Some(users_step(line, label_steps));
                    announced = false;
                    output.clear();
                } else {
                    if let (Some(current), false) = (&step, announced) {
                        announce(current, line.trim() == "---> Using cache");
                        announced = true;
                    }
                    if output.len() == KEPT_LINES {
                        output.pop_front();
                    }
                    output.push_back(line.to_string());
                    events(Event::BuildOutput {
                        service: service.clone(),
                        line: line.to_string(),
                    });
                }
            }
        }
        if let (Some(last), false) = (&step, announced) {
            announce(last, false);
        }
        events(Event::BuildFinished {
            service,
            image: request.tag,
            took: started.elapsed(),
        });
        Ok(())
    }
}

/// `LABEL dev.stack.context-hash="…" dev.stack.project="…" …`: every label in one step,
/// in a steady order, each value quoted with what the Dockerfile parser reads specially
/// (`"`, `\`, `$`) escaped.
fn label_instruction(labels: &HashMap<String, String>) -> String {
    let mut pairs: Vec<_> = labels.iter().collect();
    pairs.sort();
    let pairs: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| {
            let mut quoted = String::with_capacity(value.len() + 2);
            for c in value.chars() {
                if matches!(c, '"' | '\\' | '$') {
                    quoted.push('\\');
                }
                quoted.push(c);
            }
            format!("{key}=\"{quoted}\"")
        })
        .collect();
    format!("LABEL {}\n", pairs.join(" "))
}

/// `Step 3/4 : RUN make` as the user counts: stack's labels are `labels` steps at the
/// end, counted in the engine's total.
fn users_step(line: &str, labels: usize) -> String {
    let parsed = (|| {
        let (head, rest) = line.split_once(" : ")?;
        let (number, total) = head.strip_prefix("Step ")?.split_once('/')?;
        let total: usize = total.parse().ok()?;
        Some(format!(
            "Step {number}/{} : {rest}",
            total.saturating_sub(labels)
        ))
    })();
    parsed.unwrap_or_else(|| line.to_string())
}

fn failed(
    service: &str,
    step: Option<String>,
    message: String,
    output: VecDeque<String>,
) -> EngineError {
    EngineError::BuildFailed {
        service: service.to_string(),
        step,
        message: message.trim().to_string(),
        output: output.into(),
    }
}

/// The context as a request body: a blocking thread writes the tar chunk by chunk while the
/// engine reads it. A file that cannot be read ends the body with an error, which fails
/// the build.
fn streamed(context: BuildContext) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut chunks = Chunks {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        if let Err(error) = context.write_tar(&mut chunks) {
            let cause = std::error::Error::source(&error)
                .map(|cause| format!(": {cause}"))
                .unwrap_or_default();
            let _ = sender.blocking_send(Err(std::io::Error::other(format!("{error}{cause}"))));
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
}

/// A writer that hands what it is given to the channel in `CHUNK`-sized pieces.
struct Chunks {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.sender
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the engine stopped reading the build context",
                )
            })
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            Ok(())
        } else {
            self.send()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{label_instruction, users_step};

    #[test]
    fn labels_are_one_step_with_quoted_values_in_a_steady_order() {
        let labels = HashMap::from([
            ("dev.stack.service".to_string(), "api".to_string()),
            ("dev.stack.project".to_string(), "shop".to_string()),
            ("dev.stack.context-hash".to_string(), "0a1b".to_string()),
        ]);
        assert_eq!(
            label_instruction(&labels),
            "LABEL dev.stack.context-hash=\"0a1b\" dev.stack.project=\"shop\" dev.stack.service=\"api\"\n"
        );
        let odd = HashMap::from([("k".to_string(), r#"a"b\c$HOME"#.to_string())]);
        assert_eq!(label_instruction(&odd), "LABEL k=\"a\\\"b\\\\c\\$HOME\"\n");
    }

    #[test]
    fn steps_are_counted_without_stacks_labels() {
        assert_eq!(users_step("Step 3/6 : RUN make", 3), "Step 3/3 : RUN make");
        assert_eq!(
            users_step("Step 5/6 : LABEL dev.stack.project=x", 3),
            "Step 5/3 : LABEL dev.stack.project=x"
        );
        assert_eq!(users_step("Step x : RUN make", 3), "Step x : RUN make");
    }
}
