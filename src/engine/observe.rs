//! Reading what the engine holds of a project: the labelled containers, network, volumes
//! and which of the wanted images exist. One round of concurrent requests.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;

use crate::engine::client::Engine;
use crate::engine::error::EngineError;
use crate::plan::plan::Observed;

impl Engine {
    /// The project's state in the engine. `images` are the references to look up.
    pub(crate) async fn observe(
        &self,
        project: &str,
        network: &str,
        images: &BTreeSet<String>,
    ) -> Result<Observed, EngineError> {
        let (containers, volumes, networks, found) = tokio::join!(
            self.project_containers(project),
            self.project_volumes(project),
            self.networks_named(network),
            join_all(images.iter().map(|image| async move {
                self.has_image(image).await.map(|has| (image.clone(), has))
            })),
        );
        let containers = containers?;
        let networks = networks?;
        if networks.iter().any(|n| n.project != project) {
            return Err(EngineError::Foreign {
                what: "network",
                name: network.to_string(),
                project: project.to_string(),
            });
        }
        let network = !networks.is_empty();
        let mut present = BTreeSet::new();
        for result in found {
            let (image, has) = result?;
            if has {
                present.insert(image);
            }
        }
        let observed = Observed {
            network,
            volumes: volumes?,
            images: present,
            containers: containers
                .iter()
                .map(|c| (c.service.clone(), c.observed()))
                .collect::<BTreeMap<_, _>>(),
        };
        Ok(observed)
    }
}
