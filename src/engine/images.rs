//! The images stack built for a project, found by their labels: the newest of a service
//! (`up --no-build`), the older ones cleaned up after a build, so content-hash tags do
//! not pile up, and all of them for `down --rmi local`. An image without stack's labels
//! is never listed, so never removed.

use std::collections::HashMap;

use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::event::{Event, Events};
use crate::plan::spec::label;

/// How many images of a service a build keeps: the new one and the two before it, so
/// switching back and forth between branches finds its images still built.
pub(crate) const KEEP_IMAGES: usize = 3;

/// An image stack built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BuiltImage {
    pub(crate) id: String,
    /// stack's own tags of it (`stack-shop-api:0123456789ab`); none once a newer build
    /// of the same hash took the tag.
    pub(crate) tags: Vec<String>,
    pub(crate) created: i64,
}

impl BuiltImage {
    /// Its first tag, or its short id when it has none.
    fn name(&self) -> String {
        self.tags
            .first()
            .cloned()
            .unwrap_or_else(|| short(&self.id))
    }
}

impl Engine {
    /// The images stack built for `project` (for one `service` when given), newest first.
    pub(crate) async fn built_images(
        &self,
        project: &str,
        service: Option<&str>,
    ) -> Result<Vec<BuiltImage>, EngineError> {
        let mut labels = vec![
            format!("{}={project}", label::PROJECT),
            label::CONTEXT_HASH.to_string(),
        ];
        if let Some(service) = service {
            labels.push(format!("{}={service}", label::SERVICE));
        }
        let filters = HashMap::from([("label".to_string(), labels)]);
        let options = ListImagesOptionsBuilder::default()
            .filters(&filters)
            .build();
        let ours = format!("stack-{project}-");
        let mut images: Vec<BuiltImage> = self
            .docker()
            .list_images(Some(options))
            .await
            .map_err(request_failed(format!("list the images of {project}")))?
            .into_iter()
            .map(|image| BuiltImage {
                tags: image
                    .repo_tags
                    .into_iter()
                    .filter(|tag| tag.starts_with(&ours))
                    .collect(),
                id: image.id,
                created: image.created,
            })
            .collect();
        images.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        Ok(images)
    }

    /// Removes `service`'s built images beyond the newest `keep` tagged ones, and those a
    /// rebuild of the same hash (`--no-cache`) left without a tag, and says which went.
    /// Called once the run that built the newest is ready, not in the build: removing
    /// takes the engine a while, and nobody should wait on it. An image a container
    /// still uses stays (the engine refuses), and so does one that carries someone
    /// else's tag too (only stack's tags are taken off). Nothing here fails a run: what
    /// cannot be removed now is tried after the next build.
    pub(crate) async fn remove_older_images(
        &self,
        project: &str,
        service: &str,
        events: &(dyn Fn(Event) + Sync),
    ) {
        let Ok(images) = self.built_images(project, Some(service)).await else {
            return;
        };
        let (tagged, untagged): (Vec<BuiltImage>, Vec<BuiltImage>) =
            images.into_iter().partition(|image| !image.tags.is_empty());
        let mut removed = Vec::new();
        for image in tagged.iter().skip(KEEP_IMAGES).chain(&untagged) {
            if self.remove_image(image).await.is_ok() {
                removed.push(image.name());
            }
        }
        if !removed.is_empty() {
            events(Event::OlderImagesRemoved {
                service: service.to_string(),
                images: removed,
            });
        }
    }

    /// `down --rmi local`: every image stack built for `project`, each said as it goes.
    pub(crate) async fn remove_built_images(
        &self,
        project: &str,
        events: &Events,
    ) -> Result<(), EngineError> {
        for image in self.built_images(project, None).await? {
            self.remove_image(&image).await?;
            let _ = events.send(Event::ImageRemoved {
                image: image.name(),
            });
        }
        Ok(())
    }

    /// Takes stack's tags off `image` (which removes it once no tag is left), or removes
    /// it by id when it has none. Untagged parent layers no other image uses go with it.
    async fn remove_image(&self, image: &BuiltImage) -> Result<(), EngineError> {
        let references = if image.tags.is_empty() {
            vec![image.id.clone()]
        } else {
            image.tags.clone()
        };
        for reference in references {
            let options = RemoveImageOptionsBuilder::default().build();
            match self
                .docker()
                .remove_image(&reference, Some(options), None)
                .await
            {
                Ok(_)
                | Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(source) => {
                    return Err(EngineError::request(
                        format!("remove image {reference}"),
                        source,
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `sha256:0123456789ab…` as the engine shows it in short: `0123456789ab`.
fn short(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}
