//! `stack ci -- COMMAND…`: a throwaway copy of the stack under a project name of its own
//! (`<name>-ci-<random>`, ports the engine picks, so parallel jobs on one engine never
//! meet), its images built, its services ready within a deadline, the command run against
//! it, then everything torn down, volumes included, whatever happened: success, failure,
//! the deadline, Ctrl-C or SIGTERM (`--keep` leaves it).
//!
//! The run holds its project's lock from start to teardown: a run killed outright (no
//! teardown) leaves the lock behind with a dead holder, and `stack gc` knows it by that.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc::unbounded_channel;

use crate::ci::Ended;
use crate::ci::host;
use crate::ci::report::{self, CommandResult, Outcome, Report, ServiceResult};
use crate::cli::CiArgs;
use crate::commands::project::{find_service, load_manifest};
use crate::commands::session::{Scope, Session};
use crate::commands::up::summary;
use crate::engine::attach::Io;
use crate::engine::client::Engine;
use crate::engine::down::STOP_TIMEOUT;
use crate::engine::exec::Process;
use crate::engine::health::Probe;
use crate::engine::tracker::Tracker;
use crate::engine::up::{FAILURE_LOG_LINES, Ready};
use crate::error::{Error, exit};
use crate::event::Event;
use crate::interrupts::Interrupts;
use crate::manifest::health::Health;
use crate::plan::address::{Published, from_host, on_network, variables};
use crate::plan::spec::ContainerSpec;
use crate::settings::Settings;
use crate::ui::display::Display;
use crate::ui::printer::Printer;
use crate::ui::progress::Mode;

/// The throwaway copy: where it runs and what its services are.
struct Throwaway {
    engine: Engine,
    run: String,
    specs: Vec<ContainerSpec>,
    checks: BTreeMap<String, Health>,
}

/// Seconds a service gets to stop at the teardown: its data is deleted with it, so there
/// is nothing to flush that anyone will read.
const TEARDOWN_GRACE: i32 = 2;

pub(crate) async fn ci(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    args: &CiArgs,
) -> Result<(), Error> {
    let started = Instant::now();
    let reports = report::formats(&args.report).map_err(|path| Error::Usage {
        message: format!("cannot write a report to {}", path.display()),
        hint: Some(
            "name it `….xml` for JUnit XML or `….json` for JSON; repeat --report for both"
                .to_string(),
        ),
    })?;
    let interrupts = interrupts.claim();
    let manifest = load_manifest(settings)?;
    if let Some(service) = &args.in_service {
        find_service(&manifest, service)?;
    }
    // `-p` names the copy; else a name of its own for every run.
    let run = match &settings.project_name {
        Some(name) => name.clone(),
        None => run_name(&manifest.name),
    };
    let scope = Scope {
        copy: Some(run.clone()),
        ..Scope::default()
    };
    let (session, lock) =
        Session::open_locked(settings, printer, &interrupts, "ci", &scope).await?;
    printer.status(&format!("ci: project {run}"));
    let engine = session.engine.clone();
    let network = session.desired.network.clone();
    let order = session.order();
    let specs: Vec<ContainerSpec> = order
        .iter()
        .map(|s| session.desired.services[s].spec.clone())
        .collect();
    let checks: BTreeMap<String, Health> = session
        .desired
        .services
        .iter()
        .filter_map(|(name, s)| Some((name.clone(), s.health.clone()?)))
        .collect();
    let readiness = Readiness::default();
    let came_up = interrupts
        .until_first(environment(
            settings, printer, session, args, &order, &readiness,
        ))
        .await;

    let mut command = CommandResult {
        argv: args.command.clone(),
        service: args.in_service.clone(),
        ran: false,
        exit_code: None,
        seconds: None,
    };
    let result = match came_up {
        None => Err(interrupts.interrupted()),
        Some(Err(error @ Error::Interrupted(_))) => Err(error),
        Some(Err(error)) => Err(Error::NotUp(Box::new(error))),
        Some(Ok(_)) => {
            let ran_at = Instant::now();
            let throwaway = Throwaway {
                engine: engine.clone(),
                run: run.clone(),
                specs,
                checks,
            };
            let ended = run_command(settings, printer, &interrupts, &throwaway, args).await;
            command.seconds = Some(ran_at.elapsed().as_secs_f64());
            match ended {
                Ok(Ended::Exited(code)) => {
                    command.ran = true;
                    let code = i32::try_from(code).unwrap_or(exit::FAILURE);
                    command.exit_code = Some(code);
                    if code == 0 {
                        Ok(())
                    } else {
                        printer.status(&format!("the command exited with code {code}"));
                        diagnose(printer, &throwaway).await;
                        Err(Error::Exited(code))
                    }
                }
                Ok(Ended::Stopped) => {
                    command.ran = true;
                    Err(interrupts.interrupted())
                }
                Err(error) => Err(error),
            }
        }
    };

    let torn_down = if args.keep {
        printer.status(&format!(
            "kept project {run}: `stack -p {run} down --volumes` removes it"
        ));
        Ok(())
    } else {
        // After a signal the CI system gives little time before it kills (GitHub Actions:
        // 7.5 s after SIGINT): no grace then.
        let grace = if matches!(result, Err(Error::Interrupted(_))) {
            0
        } else {
            TEARDOWN_GRACE
        };
        Display::plain(settings)
            .show(&order, |events| {
                let (engine, run, network) = (&engine, &run, &network);
                async move { engine.down(run, network, true, grace, &events).await }
            })
            .await
    };
    lock.release().await;

    let outcome = match &result {
        Ok(()) => Outcome::Passed,
        Err(Error::NotUp(_)) => Outcome::NotUp,
        Err(Error::Interrupted(_)) => Outcome::Interrupted,
        Err(_) => Outcome::Failed,
    };
    let code = result
        .as_ref()
        .err()
        .map_or(exit::SUCCESS, Error::exit_code);
    let report = Report {
        project: run.clone(),
        outcome,
        exit_code: code,
        seconds: started.elapsed().as_secs_f64(),
        services: readiness.results(&order, result.as_ref().err()),
        command,
    };
    for (path, format) in &reports {
        if let Err(source) = std::fs::write(settings.cwd.join(path), report.render(*format)) {
            printer.error(&Error::Io {
                action: "write the report",
                path: path.clone(),
                source,
            });
        }
    }
    // A teardown that failed is the error when nothing else went wrong: what was promised
    // (nothing left behind) did not hold.
    match (result, torn_down) {
        (Err(error), Err(teardown)) => {
            printer.error(&Error::from(teardown));
            Err(error)
        }
        (Ok(()), Err(teardown)) => Err(teardown.into()),
        (result, Ok(())) => result,
    }
}

/// `shop-ci-1a2b3c4d`: the project's name and eight hex digits, different for every run.
fn run_name(project: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let seed = format!("{project}:{}:{now}", std::process::id());
    format!(
        "{project}-ci-{}",
        &blake3::hash(seed.as_bytes()).to_hex()[..8]
    )
}

/// Builds what is missing, then brings every service up within the deadline: the
/// deadline counts from when every image is there, so a cold build does not eat it.
async fn environment(
    settings: &Settings,
    printer: &Printer,
    mut session: Session,
    args: &CiArgs,
    order: &[String],
    readiness: &Readiness,
) -> Result<Vec<Ready>, Error> {
    for warning in &session.desired.warnings {
        printer.warn(warning);
    }
    let display = Display::new(args.run.progress, settings);
    let builds = session.plan.build_requests(&mut session.desired);
    if !builds.is_empty() {
        let engine = session.engine.clone();
        display
            .show(order, |events| async move {
                let emit = |event: Event| {
                    let _ = events.send(event);
                };
                engine.build_all(builds, args.run.jobs, &emit).await
            })
            .await?;
        session = session.observe_again().await?;
    }
    let Session {
        desired,
        engine,
        observed,
        plan,
    } = session;
    let request = plan.up_request(desired, &observed, args.run.jobs);
    let project = request.project.clone();
    let tracker = Tracker::new(order);
    let started = Instant::now();
    let (ready, ready_at) = display
        .show(order, |events| {
            let (engine, tracker) = (&engine, &tracker);
            async move {
                let (tee, mut seen) = unbounded_channel::<Event>();
                let project = &project;
                let up = async move {
                    let outcome =
                        match tokio::time::timeout(args.timeout, engine.up(request, &tee, tracker))
                            .await
                        {
                            Ok(result) => result?,
                            Err(_) => {
                                return Err(engine
                                    .not_ready_in_time(order, tracker, args.timeout)
                                    .await
                                    .into());
                            }
                        };
                    // Ready within the timeout; the clean-up is not held against it.
                    engine.clean_up_images(project, &outcome, &tee).await;
                    Ok::<_, Error>((outcome.ready, outcome.ready_at))
                };
                let forward = async {
                    while let Some(event) = seen.recv().await {
                        readiness.note(&event);
                        let _ = events.send(event);
                    }
                };
                tokio::join!(up, forward).0
            }
        })
        .await?;
    if display.mode != Mode::Json {
        let took = ready_at.saturating_duration_since(started);
        printer.status(&summary(order, &ready, took));
    }
    Ok(ready)
}

/// Runs the command on the host, or with `--in` in a new container of that service's
/// image on the project network; the first signal stops it.
async fn run_command(
    settings: &Settings,
    printer: &Printer,
    interrupts: &Interrupts,
    throwaway: &Throwaway,
    args: &CiArgs,
) -> Result<Ended, Error> {
    let (engine, run, specs) = (&throwaway.engine, &throwaway.run, &throwaway.specs);
    let published: Vec<Published> = specs
        .iter()
        .map(|s| {
            let check = throwaway.checks.get(&s.service);
            Published::new(&s.service, s.publish.clone(), check)
        })
        .collect();
    let shown = shell_words::join(&args.command);
    match &args.in_service {
        Some(service) => {
            let spec = specs
                .iter()
                .find(|s| &s.service == service)
                .expect("the service was found in the manifest before");
            let process = Process {
                argv: args.command.clone(),
                tty: false,
                user: None,
                workdir: None,
                env: variables(run, &on_network(&published))
                    .into_iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect(),
            };
            let spec = ContainerSpec {
                name: format!("{run}-{service}-ci"),
                ..spec.clone()
            };
            printer.status(&format!("running in {service}'s image: {shown}"));
            let id = engine.create_oneoff(&spec, &process, false).await?;
            let sink = &mut |to_stderr: bool, bytes: &[u8]| printer.raw(to_stderr, bytes);
            let ended = tokio::select! {
                code = engine.run_attached(&id, false, Io::output(sink)) => code.map(Ended::Exited),
                () = interrupts.first() => engine
                    .stop_container(&id, STOP_TIMEOUT)
                    .await
                    .map(|()| Ended::Stopped),
            };
            let removed = engine.remove_container(&id).await;
            let ended = ended?;
            removed?;
            Ok(ended)
        }
        None => {
            let ports = engine.published_ports(run).await?;
            let env = variables(run, &from_host(&published, &ports));
            printer.status(&format!("running: {shown}"));
            host::run(&args.command, &env, &settings.cwd, interrupts.first())
                .await
                .map_err(|source| Error::Io {
                    action: "run the command",
                    path: args.command[0].clone().into(),
                    source,
                })
        }
    }
}

/// After the command failed: every service that is no longer running or whose check
/// fails now, with its last log lines: the likely reasons.
async fn diagnose(printer: &Printer, throwaway: &Throwaway) {
    let engine = &throwaway.engine;
    let Ok(containers) = engine.project_containers(&throwaway.run).await else {
        return;
    };
    for spec in throwaway.specs.iter().filter(|s| !s.task) {
        let Some(container) = containers.iter().find(|c| c.service == spec.service) else {
            continue;
        };
        let problem = if container.running() {
            let address = spec.publish.as_ref().and_then(|publish| {
                let host_port = container
                    .ports
                    .iter()
                    .find(|(private, _, _)| *private == publish.container_port)?
                    .2;
                Some(publish.address(host_port))
            });
            match throwaway
                .checks
                .get(&spec.service)
                .and_then(|h| Probe::new(&h.check, address, &container.id))
            {
                Some(probe) => engine
                    .probe(&probe)
                    .await
                    .err()
                    .map(|e| format!("unhealthy: {e}")),
                None => None,
            }
        } else {
            Some(format!(
                "exited with code {}",
                container.exit_code().unwrap_or(-1)
            ))
        };
        if let Some(problem) = problem {
            printer.status(&format!(
                "service `{}` {problem}; last log lines:",
                spec.service
            ));
            for line in engine.tail_logs(&container.id, FAILURE_LOG_LINES).await {
                printer.status(&format!("    | {line}"));
            }
        }
    }
}

/// When each service became ready, from the events `up` sent.
#[derive(Default)]
struct Readiness(Mutex<BTreeMap<String, Duration>>);

impl Readiness {
    fn note(&self, event: &Event) {
        if let Event::Healthy { service, took, .. } | Event::Completed { service, took, .. } = event
        {
            self.0
                .lock()
                .expect("never poisoned: nothing panics while holding it")
                .insert(service.clone(), *took);
        }
    }

    /// Each service in order: ready with its time, or why not.
    fn results(&self, order: &[String], error: Option<&Error>) -> Vec<ServiceResult> {
        let ready = self
            .0
            .lock()
            .expect("never poisoned: nothing panics while holding it")
            .clone();
        let cause = match error {
            Some(Error::NotUp(cause)) => Some(cause.as_ref()),
            _ => None,
        };
        order
            .iter()
            .map(|service| match ready.get(service) {
                Some(took) => ServiceResult {
                    name: service.clone(),
                    ready: true,
                    seconds: Some(took.as_secs_f64()),
                    error: None,
                },
                None => ServiceResult {
                    name: service.clone(),
                    ready: false,
                    seconds: None,
                    error: Some(match cause {
                        Some(Error::Engine(engine)) if engine.service() == Some(service) => {
                            engine.summary()
                        }
                        Some(cause) => format!("not ready: {cause}"),
                        None => "not ready".to_string(),
                    }),
                },
            })
            .collect()
    }
}
