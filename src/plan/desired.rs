//! The desired state of a project: for each service the container spec, and for built
//! services the packed build context whose hash names the image. Reads the user's files;
//! never talks to Docker.

use std::collections::BTreeMap;

use crate::build::ca;
use crate::build::context::{BuildContext, DockerfileSource, pack};
use crate::build::dockerfile::dockerfile_source;
use crate::error::Error;
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;
use crate::plan::plan::DesiredService;
use crate::plan::spec::{ContainerSpec, network_name, service_image, volume_name};

/// Everything `up`, `build` and `plan` need to know about what the project should be.
#[derive(Debug)]
pub(crate) struct Desired {
    pub(crate) project: String,
    pub(crate) network: String,
    /// (full name, name in the manifest) of every named volume.
    pub(crate) volumes: Vec<(String, String)>,
    pub(crate) services: BTreeMap<String, DesiredService>,
    /// Packed contexts of built services, by service.
    pub(crate) contexts: BTreeMap<String, BuildContext>,
}

/// Works out the desired state. `ca_pem` is the extra CA bundle to trust in generated
/// builds (empty when none). Contexts are packed in parallel: reading large trees is the
/// slow part of a no-op `up`.
pub(crate) fn desired(manifest: &Manifest, ca_pem: &[u8]) -> Result<Desired, Error> {
    let packed: Vec<(String, Option<BuildContext>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = manifest
            .services
            .values()
            .map(|service| scope.spawn(move || context_of(service, ca_pem)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("packing a context does not panic"))
            .collect::<Result<Vec<_>, Error>>()
    })?;
    let contexts: BTreeMap<String, BuildContext> = packed
        .into_iter()
        .filter_map(|(name, context)| Some((name, context?)))
        .collect();
    let mut volumes = Vec::new();
    let mut services = BTreeMap::new();
    for (name, service) in &manifest.services {
        let hash = contexts.get(name).map(|c| &c.hash[..12]);
        let image = service_image(manifest, service, hash);
        let spec = ContainerSpec::new(manifest, service, &image);
        for volume in &service.volumes {
            if let crate::manifest::volume::VolumeSource::Named(short) = &volume.source {
                let full = volume_name(&manifest.name, short);
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
            },
        );
    }
    Ok(Desired {
        project: manifest.name.clone(),
        network: network_name(&manifest.name),
        volumes,
        services,
        contexts,
    })
}

/// Packs one service's context, when stack builds it.
fn context_of(service: &Service, ca_pem: &[u8]) -> Result<(String, Option<BuildContext>), Error> {
    let Some(dir) = service.build_dir() else {
        return Ok((service.name.clone(), None));
    };
    let source = dockerfile_source(service, ca_pem)?;
    let injected = match &source {
        DockerfileSource::Own(_) => Vec::new(),
        DockerfileSource::Generated(_) => ca::injected(ca_pem),
    };
    let context =
        pack(dir, &source, &injected, &service.build.args).map_err(|source| Error::Context {
            service: service.name.clone(),
            source,
        })?;
    Ok((service.name.clone(), Some(context)))
}
