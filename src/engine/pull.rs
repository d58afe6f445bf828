//! Pulling the ready-made images of `image:` services that the engine does not have.

use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;

impl Engine {
    /// Pulls `image` for `service`; the error says what the registry answered.
    pub(crate) async fn pull(&self, service: &str, image: &str) -> Result<(), EngineError> {
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
                return Err(EngineError::PullFailed {
                    service: service.to_string(),
                    image: image.to_string(),
                    message: error.to_string(),
                });
            }
        }
        Ok(())
    }
}
