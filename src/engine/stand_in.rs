//! Local stand-ins for official images (scripts/base-images builds them under the official
//! names when no registry answers), found by their label so `stack doctor` can say so.

use std::collections::{BTreeSet, HashMap};

use bollard::query_parameters::ListImagesOptionsBuilder;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;

/// The label a stand-in carries, its value the tag it stands in for. Images built on a
/// stand-in inherit the label, with a value that is not their own tag.
const STAND_IN: &str = "dev.stack.stand-in";
/// What stand-ins built before that label carried, also inherited: only the official
/// names scripts/base-images makes count.
const OLDER_STAND_IN: &str = "org.opencontainers.image.description=stack test fixture built by scripts/base-images: not the official image";
const OFFICIAL: &[&str] = &[
    "debian",
    "python",
    "node",
    "golang",
    "postgres",
    "redis",
    "nginx",
    "rust",
    "eclipse-temurin",
];

impl Engine {
    /// The tags of the stand-in images the engine has, sorted.
    pub(crate) async fn stand_in_images(&self) -> Result<Vec<String>, EngineError> {
        let mut tags = BTreeSet::new();
        for image in self.images_labelled(STAND_IN).await? {
            let stands_for = image.labels.get(STAND_IN);
            if image.repo_tags.iter().any(|tag| Some(tag) == stands_for) {
                tags.extend(image.repo_tags);
            }
        }
        for image in self.images_labelled(OLDER_STAND_IN).await? {
            tags.extend(image.repo_tags.into_iter().filter(|tag| {
                tag.split_once(':')
                    .is_some_and(|(repository, _)| OFFICIAL.contains(&repository))
            }));
        }
        Ok(tags.into_iter().collect())
    }

    async fn images_labelled(
        &self,
        label: &str,
    ) -> Result<Vec<bollard::models::ImageSummary>, EngineError> {
        let filters = HashMap::from([("label", vec![label])]);
        let options = ListImagesOptionsBuilder::default()
            .filters(&filters)
            .build();
        self.docker()
            .list_images(Some(options))
            .await
            .map_err(|source| EngineError::Request {
                action: "list images".to_string(),
                source,
            })
    }
}
