//! Pushing a built image to a registry under its registry name, keeping its content hash
//! as the tag.

use std::time::Instant;

use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, request_failed};
use crate::event::Event;

impl Engine {
    /// Tags `local` as `remote` (`host:port/prefix/name:tag`) and pushes it, reporting
    /// layers as they are done.
    pub(crate) async fn push(
        &self,
        service: &str,
        local: &str,
        remote: &str,
        events: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        let failed = |message: String| EngineError::PushFailed {
            service: service.to_string(),
            image: remote.to_string(),
            message,
        };
        let (repository, tag) = remote
            .rsplit_once(':')
            .filter(|(_, tag)| !tag.contains('/'))
            .unwrap_or((remote, "latest"));
        let layers = self
            .docker()
            .inspect_image(local)
            .await
            .map_err(request_failed(format!("inspect image {local}")))?
            .root_fs
            .and_then(|fs| fs.layers)
            .map_or(0, |layers| layers.len());
        self.docker()
            .tag_image(
                local,
                Some(
                    TagImageOptionsBuilder::default()
                        .repo(repository)
                        .tag(tag)
                        .build(),
                ),
            )
            .await
            .map_err(request_failed(format!("tag {local} as {remote}")))?;
        events(Event::PushStarted {
            service: service.to_string(),
            image: remote.to_string(),
            layers,
        });
        let options = PushImageOptionsBuilder::default().tag(tag).build();
        let mut stream = self.docker().push_image(repository, Some(options), None);
        let mut done = 0;
        while let Some(item) = stream.next().await {
            let info = item.map_err(|error| failed(error.to_string()))?;
            if let Some(message) = info.error_detail.and_then(|d| d.message) {
                return Err(failed(message));
            }
            let status = info.status.unwrap_or_default();
            if status == "Pushed"
                || status == "Layer already exists"
                || status.starts_with("Mounted from")
            {
                done += 1;
                events(Event::PushProgress {
                    service: service.to_string(),
                    done,
                    layers,
                });
            }
        }
        events(Event::Pushed {
            service: service.to_string(),
            image: remote.to_string(),
            took: started.elapsed(),
        });
        Ok(())
    }
}
