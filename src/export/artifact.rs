//! What an exporter knows of a service beyond the manifest: the image it runs, by registry
//! and content hash, and the user that image runs as.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::manifest::project::Manifest;
use crate::manifest::service::Source;

/// The user a service's image runs as, read from its Dockerfile's final stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) enum User {
    /// `USER 10001:10001`: a numeric user, so a cluster can check it is not root.
    Numeric { uid: i64, gid: Option<i64> },
    /// `USER app`: a name only the image can resolve.
    Named(String),
    /// No `USER` in the final stage.
    Root,
    /// A ready-made image: stack cannot know.
    Unknown,
}

/// One service's image and user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Artifact {
    /// The image reference to run.
    pub(crate) image: String,
    pub(crate) user: User,
    /// The image was built by stack (its name carries the content hash).
    pub(crate) built: bool,
}

/// Every service's artifact, by service name.
pub(crate) type Artifacts = BTreeMap<String, Artifact>;

/// `<registry>/<project>-<service>:<hash>`: where `stack push` puts a built image whose local
/// tag is `local` (`stack-<project>-<service>:<hash>`), and what exports name it by.
pub(crate) fn in_registry(registry: &str, project: &str, service: &str, local: &str) -> String {
    let tag = local.rsplit_once(':').map_or("latest", |(_, tag)| tag);
    format!(
        "{}/{project}-{service}:{tag}",
        registry.trim_end_matches('/')
    )
}

/// The images of `manifest`'s services. `images` holds what `up` runs for each service
/// (the built tag or the manifest's image); built ones are named in `registry` when one
/// is given. `dockerfiles` holds each built service's Dockerfile, read for its `USER`.
pub(crate) fn artifacts(
    manifest: &Manifest,
    images: &BTreeMap<String, String>,
    dockerfiles: &BTreeMap<String, String>,
    registry: Option<&str>,
) -> Artifacts {
    manifest
        .services
        .values()
        .filter_map(|service| {
            let image = images.get(&service.name)?;
            let artifact = match &service.source {
                Source::Build { .. } => Artifact {
                    image: match registry {
                        Some(registry) => {
                            in_registry(registry, &manifest.name, &service.name, image)
                        }
                        None => image.clone(),
                    },
                    user: dockerfiles
                        .get(&service.name)
                        .map_or(User::Unknown, |text| final_user(text)),
                    built: true,
                },
                Source::Image(_) => Artifact {
                    image: image.clone(),
                    user: User::Unknown,
                    built: false,
                },
            };
            Some((service.name.clone(), artifact))
        })
        .collect()
}

/// The user of a Dockerfile's final stage: its last `USER` after the last `FROM`.
pub(crate) fn final_user(dockerfile: &str) -> User {
    let mut user = User::Root;
    for line in dockerfile.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        let instruction = words.next().unwrap_or_default().to_ascii_uppercase();
        match (instruction.as_str(), words.next()) {
            ("FROM", _) => user = User::Root,
            ("USER", Some(value)) => user = parse_user(value),
            _ => {}
        }
    }
    user
}

fn parse_user(value: &str) -> User {
    let (name, group) = match value.split_once(':') {
        Some((name, group)) => (name, Some(group)),
        None => (value, None),
    };
    match (name.parse::<i64>(), group.map(str::parse::<i64>)) {
        (Ok(0), _) => User::Root,
        (Ok(uid), None) => User::Numeric { uid, gid: None },
        (Ok(uid), Some(Ok(gid))) => User::Numeric {
            uid,
            gid: Some(gid),
        },
        _ if name == "root" => User::Root,
        _ => User::Named(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::{User, final_user, in_registry};

    #[test]
    fn the_final_stage_decides_the_user() {
        let two_stages =
            "FROM golang AS build\nUSER 10001\nFROM debian\nUSER 10001:10002\nCMD [\"x\"]\n";
        assert_eq!(
            final_user(two_stages),
            User::Numeric {
                uid: 10001,
                gid: Some(10002)
            }
        );
        assert_eq!(final_user("FROM a\nUSER 1000\nFROM b\n"), User::Root);
        assert_eq!(
            final_user("FROM a\nuser app\n"),
            User::Named("app".to_string())
        );
        assert_eq!(final_user("FROM a\nUSER root\n"), User::Root);
        assert_eq!(final_user("FROM a\nUSER 0:0\n"), User::Root);
    }

    #[test]
    fn a_pushed_image_keeps_its_content_hash() {
        assert_eq!(
            in_registry(
                "127.0.0.1:5000/team/",
                "shop",
                "api",
                "stack-shop-api:0123456789ab"
            ),
            "127.0.0.1:5000/team/shop-api:0123456789ab"
        );
    }
}
