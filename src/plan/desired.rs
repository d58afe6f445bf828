//! The desired state of a project: for each service the container spec, and for built
//! services the packed build context whose hash names the image. Reads the user's files
//! (on a bounded pool of threads); never talks to Docker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::build::context::{BuildContext, DockerfileSource, pack};
use crate::build::sources::resolve;
use crate::build::{ca, secrets};
use crate::error::Error;
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::plan::mode::RunMode;
use crate::plan::plan::DesiredService;
use crate::plan::spec::{ContainerSpec, network_name, service_image, volume_name};

/// Everything `up`, `build` and `plan` need to know about what the project should be.
#[derive(Debug)]
pub(crate) struct Desired {
    pub(crate) project: String,
    /// The project whose name built images carry: the manifest's, also when this is a
    /// throwaway copy under another name (`stack ci`), so the next copy reuses them.
    pub(crate) images: String,
    pub(crate) network: String,
    /// (full name, name in the manifest) of every named volume.
    pub(crate) volumes: Vec<(String, String)>,
    pub(crate) services: BTreeMap<String, DesiredService>,
    /// Packed contexts of built services, by service.
    pub(crate) contexts: BTreeMap<String, BuildContext>,
    /// What detection warns about (a service that binds 127.0.0.1), one line each.
    pub(crate) warnings: Vec<String>,
    /// Services of the manifest this command leaves alone (`up web`): neither planned nor
    /// orphans.
    pub(crate) left_out: BTreeSet<String>,
    /// The mode the specs are for.
    pub(crate) mode: RunMode,
    /// For each service that runs another command in the other mode (a dev command under
    /// watch), the hash of its `command` part there: a container that ran it is recreated
    /// for the mode switch, and the plan says so.
    pub(crate) other_mode_command: BTreeMap<String, String>,
    /// What each built service is built from (its detection, for watch's defaults).
    pub(crate) sources: BTreeMap<String, DockerfileSource>,
}

/// Works out the desired state. `ca_pem` is the extra CA bundle to trust in generated
/// builds (empty when none). Contexts are packed in parallel: reading large trees is the
/// slow part of a no-op `up`.
pub(crate) fn desired(manifest: &Manifest, ca_pem: &[u8]) -> Result<Desired, Error> {
    desired_as(manifest, ca_pem, None, RunMode::Production)
}

/// The desired state of a throwaway copy of the project called `run` (when given): its
/// containers, network and volumes carry that name; its images keep the manifest's. Each
/// service runs its command for `mode`: under watch, a service with a dev command (its
/// framework's reloader) runs it unless the manifest sets `command`.
pub(crate) fn desired_as(
    manifest: &Manifest,
    ca_pem: &[u8],
    run: Option<&str>,
    mode: RunMode,
) -> Result<Desired, Error> {
    let mut manifest = manifest.clone();
    let sources = resolve(&mut manifest, ca_pem)?;
    let manifest = &manifest;
    let built: Vec<(&Service, &DockerfileSource)> = manifest
        .services
        .values()
        .filter_map(|service| Some((service, sources.by_service.get(&service.name)?)))
        .collect();
    let packed = in_parallel(&built, |(service, source)| {
        context_of(service, source, ca_pem, &manifest.ca_certificates)
    })
    .into_iter()
    .collect::<Result<Vec<_>, Error>>()?;
    let contexts: BTreeMap<String, BuildContext> = packed.into_iter().collect();
    let images = manifest.name.clone();
    // A throwaway copy's containers, network and volumes carry its own name.
    let project = run.unwrap_or(&manifest.name).to_string();
    let mut volumes = Vec::new();
    let mut services = BTreeMap::new();
    let mut other_mode_command = BTreeMap::new();
    for (name, service) in &manifest.services {
        let dev = match sources.by_service.get(name) {
            Some(DockerfileSource::Generated(rendered)) if service.command.is_none() => {
                rendered.detection.dev()
            }
            _ => None,
        };
        // Under watch, a dev server that needs another stage runs on an image of its
        // own, named by the context and the stage.
        let build_target = dev
            .as_ref()
            .and_then(|dev| dev.target)
            .filter(|_| mode == RunMode::Watch);
        let hash = contexts.get(name).map(|c| match build_target {
            Some(target) => blake3::hash(format!("{}\0target={target}", c.hash).as_bytes())
                .to_hex()
                .to_string(),
            None => c.hash.clone(),
        });
        let image = service_image(manifest, service, hash.as_deref().map(|h| &h[..12]));
        let mut spec = ContainerSpec::new(&project, service, &image);
        if let Some(dev) = dev {
            let mut other = spec.clone();
            match mode {
                RunMode::Watch => spec.command = Some(dev.command),
                RunMode::Production => other.command = Some(dev.command),
            }
            if let Some((_, hash)) = other.parts().into_iter().find(|(p, _)| *p == "command") {
                other_mode_command.insert(name.clone(), hash);
            }
        }
        for volume in &service.volumes {
            if let crate::manifest::volume::VolumeSource::Named(short) = &volume.source {
                let full = volume_name(&project, short);
                if !volumes.iter().any(|(f, _)| *f == full) {
                    volumes.push((full, short.clone()));
                }
            }
        }
        services.insert(
            name.clone(),
            DesiredService {
                spec,
                context_hash: contexts.get(name).map(|c| c.hash.clone()),
                build_args: service.build.args.clone(),
                depends_on: service.depends_on.clone(),
                health: service.health.clone(),
                build_target: build_target.map(str::to_string),
            },
        );
    }
    Ok(Desired {
        project: project.clone(),
        images,
        network: network_name(&project),
        volumes,
        services,
        contexts,
        warnings: sources.warnings,
        left_out: BTreeSet::new(),
        mode,
        other_mode_command,
        sources: sources.by_service,
    })
}

/// `work` applied to every item, on at most as many threads as the machine runs at once
/// (one per item would ask the OS for 60 threads for 60 services, and a low pids limit
/// refuses them). When no thread can be started, the calling thread does all the work.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    let next = AtomicUsize::new(0);
    // Each worker takes the next item until none is left, and returns what it did.
    let worker = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, work(item)));
        }
    };
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        // Helpers beside the calling thread, which works too; a refused spawn only
        // means fewer helpers.
        let helpers: Vec<_> = (1..threads)
            .map_while(|_| std::thread::Builder::new().spawn_scoped(scope, worker).ok())
            .collect();
        let mut results = worker();
        for helper in helpers {
            match helper.join() {
                Ok(done) => results.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Packs one built service's context.
fn context_of(
    service: &Service,
    source: &DockerfileSource,
    ca_pem: &[u8],
    ca_certificates: &[PathBuf],
) -> Result<(String, BuildContext), Error> {
    let dir = service
        .build_dir()
        .expect("only built services have a Dockerfile source");
    let injected = match source {
        DockerfileSource::Own(_) => Vec::new(),
        DockerfileSource::Generated(_) => ca::injected(ca_pem),
    };
    let referenced = secrets::referenced(service, dir, ca_certificates);
    let context =
        pack(dir, source, &injected, &service.build.args, &referenced).map_err(|source| {
            Error::Context {
                service: service.name.clone(),
                source,
            }
        })?;
    Ok((service.name.clone(), context))
}

#[cfg(test)]
mod tests {
    use super::in_parallel;

    #[test]
    fn work_is_shared_and_results_keep_their_order() {
        let items: Vec<usize> = (0..200).collect();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let squares = in_parallel(&items, |n| {
            threads
                .lock()
                .expect("not poisoned")
                .insert(std::thread::current().id());
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        let available = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(threads.lock().expect("not poisoned").len() <= available);
        assert!(in_parallel(&Vec::<usize>::new(), |n| *n).is_empty());
    }
}
