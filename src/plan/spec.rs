//! The container a service should run as, derived purely from the manifest, and its hash.
//!
//! Everything here becomes labels or create options on Docker objects; the config hash
//! lets `up` leave an unchanged container alone and say what changed when it is not.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::manifest::project::Manifest;
use crate::manifest::service::{Service, Source};
use crate::manifest::volume::VolumeSource;

/// Label keys. Nothing without `PROJECT` is ever touched by stack.
pub(crate) mod label {
    pub(crate) const PROJECT: &str = "dev.stack.project";
    pub(crate) const SERVICE: &str = "dev.stack.service";
    pub(crate) const CONFIG_HASH: &str = "dev.stack.config-hash";
    /// `env=1a2b3c4d,image=…`: per-part hashes, so a recreate can say what changed.
    pub(crate) const CONFIG_PARTS: &str = "dev.stack.config-parts";
    pub(crate) const CONTEXT_HASH: &str = "dev.stack.context-hash";
    pub(crate) const VOLUME: &str = "dev.stack.volume";
    pub(crate) const TASK: &str = "dev.stack.task";
    /// On the one-off containers of `stack run`: never the service's own container.
    pub(crate) const ONEOFF: &str = "dev.stack.oneoff";
}

/// Docker object names for a project.
pub(crate) fn network_name(project: &str) -> String {
    format!("{project}_default")
}

pub(crate) fn volume_name(project: &str, volume: &str) -> String {
    format!("{project}_{volume}")
}

pub(crate) fn container_name(project: &str, service: &str) -> String {
    format!("{project}-{service}")
}

/// The tag of a built image: one per content hash, so "is it built?" is one lookup.
pub(crate) fn image_tag(project: &str, service: &str, context_hash: &str) -> String {
    format!(
        "stack-{project}-{service}:{}",
        &context_hash[..context_hash.len().min(12)]
    )
}

/// One mount of a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Mount {
    /// `named` or `bind`.
    pub(crate) kind: &'static str,
    /// Full volume name or absolute host path.
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) read_only: bool,
}

/// The published port of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Publish {
    pub(crate) container_port: u16,
    pub(crate) host_ip: String,
    /// `None`: the engine picks a free port.
    pub(crate) host_port: Option<u16>,
}

impl Publish {
    /// The port a service publishes, as the manifest says.
    pub(crate) fn of(service: &Service) -> Option<Publish> {
        Some(Publish {
            container_port: service.port?,
            host_ip: service.host_ip.clone(),
            host_port: service.host_port,
        })
    }

    /// Where the host connects once the engine published the port on `host_port`:
    /// `127.0.0.1:49153`, `[::1]:8080` for `::`, the fixed address when one is set.
    pub(crate) fn address(&self, host_port: u16) -> String {
        format!("{}:{host_port}", self.host())
    }

    /// The host part of `address`: `127.0.0.1`, `[::1]`, or the fixed address.
    pub(crate) fn host(&self) -> &str {
        match self.host_ip.as_str() {
            "" | "0.0.0.0" => "127.0.0.1",
            "::" => "[::1]",
            other => other,
        }
    }
}

/// Everything that defines a service's container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ContainerSpec {
    pub(crate) project: String,
    pub(crate) service: String,
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) command: Option<Vec<String>>,
    pub(crate) publish: Option<Publish>,
    pub(crate) mounts: Vec<Mount>,
    pub(crate) network: String,
    pub(crate) task: bool,
    /// Files written into the container before it starts: path to contents.
    pub(crate) files: BTreeMap<String, String>,
}

impl ContainerSpec {
    /// The spec for `service` of `project`, running `image` (a built tag or the manifest's
    /// image).
    pub(crate) fn new(project: &str, service: &Service, image: &str) -> ContainerSpec {
        let mounts = service
            .volumes
            .iter()
            .map(|volume| match &volume.source {
                VolumeSource::Named(name) => Mount {
                    kind: "named",
                    source: volume_name(project, name),
                    target: volume.target.clone(),
                    read_only: volume.read_only,
                },
                VolumeSource::Bind(path) => Mount {
                    kind: "bind",
                    source: path.display().to_string(),
                    target: volume.target.clone(),
                    read_only: volume.read_only,
                },
            })
            .collect();
        ContainerSpec {
            project: project.to_string(),
            service: service.name.clone(),
            name: container_name(project, &service.name),
            image: image.to_string(),
            env: service.env.clone(),
            command: service.command.clone(),
            publish: Publish::of(service),
            mounts,
            network: network_name(project),
            task: service.task,
            files: service.files.clone(),
        }
    }

    /// Short hashes of each part that can change, in a fixed order. The names and order
    /// are stored as labels on existing containers: keep them.
    pub(crate) fn parts(&self) -> Vec<(&'static str, String)> {
        // Every field is named, so a new one cannot miss the hash unnoticed.
        let ContainerSpec {
            // Who the container is, not how it runs: another value is another container.
            project: _,
            service: _,
            name: _,
            image,
            env,
            command,
            publish,
            mounts,
            network,
            task,
            files,
        } = self;
        vec![
            ("image", short_hash(image)),
            ("env", short_hash(env)),
            ("command", short_hash(command)),
            ("ports", short_hash(publish)),
            ("volumes", short_hash(mounts)),
            ("network", short_hash(network)),
            ("task", short_hash(task)),
            ("files", short_hash(files)),
        ]
    }

    /// `image=…,env=…`, stored as a label.
    pub(crate) fn parts_label(&self) -> String {
        self.parts()
            .into_iter()
            .map(|(name, hash)| format!("{name}={hash}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The hash of the whole spec, stored as a label.
    pub(crate) fn config_hash(&self) -> String {
        short_hash(self)
    }

    /// Labels for the container.
    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (label::PROJECT.to_string(), self.project.clone()),
            (label::SERVICE.to_string(), self.service.clone()),
            (label::CONFIG_HASH.to_string(), self.config_hash()),
            (label::CONFIG_PARTS.to_string(), self.parts_label()),
            (label::TASK.to_string(), self.task.to_string()),
        ])
    }
}

/// The parts that differ between a stored parts label and this spec: "env, image".
pub(crate) fn changed_parts(stored: &str, spec: &ContainerSpec) -> Vec<&'static str> {
    let stored: BTreeMap<&str, &str> = stored
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    spec.parts()
        .into_iter()
        .filter(|(name, hash)| stored.get(name) != Some(&hash.as_str()))
        .map(|(name, _)| name)
        .collect()
}

fn short_hash<T: Serialize + ?Sized>(value: &T) -> String {
    let json = serde_json::to_vec(value).expect("specs are plain data and always serialise");
    blake3::hash(&json).to_hex()[..16].to_string()
}

/// The image a service runs: a built tag (from its context hash) or the manifest's image.
pub(crate) fn service_image(
    manifest: &Manifest,
    service: &Service,
    context_hash: Option<&str>,
) -> String {
    match (&service.source, context_hash) {
        (Source::Image(image), _) => image.clone(),
        (Source::Build { .. }, Some(hash)) => image_tag(&manifest.name, &service.name, hash),
        (Source::Build { .. }, None) => format!("stack-{}-{}:unbuilt", manifest.name, service.name),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{ContainerSpec, Publish, changed_parts};

    fn spec() -> ContainerSpec {
        ContainerSpec {
            project: "shop".to_string(),
            service: "api".to_string(),
            name: "shop-api".to_string(),
            image: "stack-shop-api:0123456789ab".to_string(),
            env: BTreeMap::from([("A".to_string(), "1".to_string())]),
            command: None,
            publish: Some(Publish {
                container_port: 8000,
                host_ip: "127.0.0.1".to_string(),
                host_port: None,
            }),
            mounts: Vec::new(),
            network: "shop_default".to_string(),
            task: false,
            files: BTreeMap::new(),
        }
    }

    #[test]
    fn the_hash_is_stable_and_follows_every_part() {
        let base = spec();
        assert_eq!(base.config_hash(), spec().config_hash());
        let mut changed = spec();
        changed.env.insert("B".to_string(), "2".to_string());
        assert_ne!(changed.config_hash(), base.config_hash());
        assert_eq!(changed_parts(&base.parts_label(), &changed), vec!["env"]);
        let mut moved = spec();
        moved.image = "stack-shop-api:ffffffffffff".to_string();
        moved.command = Some(vec!["serve".to_string()]);
        assert_eq!(
            changed_parts(&base.parts_label(), &moved),
            vec!["image", "command"]
        );
        assert!(changed_parts(&base.parts_label(), &base).is_empty());
    }

    #[test]
    fn the_address_to_connect_to_follows_the_published_host_ip() {
        let publish = |host_ip: &str| Publish {
            container_port: 80,
            host_ip: host_ip.to_string(),
            host_port: None,
        };
        assert_eq!(publish("127.0.0.1").address(49153), "127.0.0.1:49153");
        assert_eq!(publish("0.0.0.0").address(8080), "127.0.0.1:8080");
        assert_eq!(publish("::").address(8080), "[::1]:8080");
        assert_eq!(publish("192.168.1.5").address(8080), "192.168.1.5:8080");
    }
}
