//! Pulling the ready-made images of `image:` services that the engine does not have.

use std::time::Instant;

use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::{EngineError, is_lost};
use crate::event::Event;

impl Engine {
    /// Pulls `image` for `service`, saying so; the error says what the registry answered.
    pub(crate) async fn pull(
        &self,
        service: &str,
        image: &str,
        events: &(dyn Fn(Event) + Sync),
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        events(Event::PullStarted {
            service: service.to_string(),
            image: image.to_string(),
        });
        let (name, tag) = match image.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, tag),
            _ => (image, "latest"),
        };
        let options = CreateImageOptionsBuilder::default()
            .from_image(name)
            .tag(tag)
            .build();
        let mut stream = self.docker().create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            if let Err(error) = item {
                if is_lost(&error) {
                    return Err(EngineError::Lost {
                        action: format!("pull {image}"),
                        source: Some(std::sync::Arc::new(error)),
                    });
                }
                return Err(EngineError::PullFailed {
                    service: service.to_string(),
                    image: image.to_string(),
                    message: error.to_string(),
                });
            }
        }
        events(Event::Pulled {
            service: service.to_string(),
            image: image.to_string(),
            took: started.elapsed(),
        });
        Ok(())
    }
}
